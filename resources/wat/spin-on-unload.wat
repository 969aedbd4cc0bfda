;; spin-on-unload: on-load is fine; on-unload loops forever, so a server stop
;; waits for it until the load deadline interrupts it (or the stop time-out
;; forces the stop and names this plugin).
(module
{common_imports}
{common}
  (func (export "on-unload") (param $ctx i32) (result i32)
    (loop $forever (br $forever))
    unreachable)
)
