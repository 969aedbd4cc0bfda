;; The wait gate: a guest's blocking waits end at its call deadline.
;;
;; A plugin waits through wasi:io/poll (`poll`, `pollable.block`): on a
;; fetch() answer, a timer, a stream. Inside that host call the epoch
;; deadline cannot interrupt it, so a host that accepts a connection and then
;; says nothing (a stalled TLS handshake) would hold the runtime thread, and
;; every plugin, for as long as the socket lives. The host shadows both
;; functions with Python (gui/runtime/wait_gate.py), which calls `poll-within`
;; here: the real `poll` over the guest's pollables plus a timer for the time
;; left before the call's deadline. The timer is the last entry, so a result
;; holding only index `len` means the deadline came first.
;;
;; Canonical ABI notes (see also http_gate.wat):
;; - the host lowers the guest's list of borrowed pollables into this memory
;;   with `realloc` before the call; the poll result is allocated after it;
;; - the bump allocator goes back to 128 before returning: the host reads the
;;   result before anything else is allocated;
;; - every borrowed handle received is dropped before returning.
(component
  (import "wasi:io/poll@0.2.0" (instance $io
    (export "pollable" (type $pollable (sub resource)))
    (export "poll" (func (param "in" (list (borrow $pollable))) (result (list u32))))
  ))
  (alias export $io "pollable" (type $pollable))
  (import "wasi:clocks/monotonic-clock@0.2.0" (instance $clock
    (export "subscribe-duration" (func (param "when" u64) (result (own $pollable))))
  ))

  ;; Memory and the bump allocator.
  (core module $heap-module
    (memory (export "memory") 1)
    (global $next (export "next") (mut i32) (i32.const 128))
    (func (export "realloc") (param i32 i32) (param $align i32) (param $size i32) (result i32)
      (local $at i32)
      (local.set $at (i32.and
        (i32.add (global.get $next) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
      (global.set $next (i32.add (local.get $at) (local.get $size)))
      (if (i32.gt_u (global.get $next) (i32.mul (memory.size) (i32.const 65536)))
        (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (local.get $size) (i32.const 16))
                                                (i32.const 1)))
                          (i32.const -1))
                (then unreachable))))
      (local.get $at)))
  (core instance $heap (instantiate $heap-module))
  (alias core export $heap "memory" (core memory $memory))
  (alias core export $heap "realloc" (core func $realloc))

  (core func $poll (canon lower (func $io "poll") (memory $memory) (realloc $realloc)))
  (core func $subscribe (canon lower (func $clock "subscribe-duration")))
  (core func $drop (canon resource.drop $pollable))

  (core module $wait-module
    (import "heap" "memory" (memory 1))
    (import "heap" "next" (global $next (mut i32)))
    (import "heap" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))
    (import "io" "poll" (func $poll (param i32 i32 i32)))
    (import "io" "subscribe" (func $subscribe (param i64) (result i32)))
    (import "io" "drop" (func $drop (param i32)))

    ;; poll-within: (the guest's pollables at $in/$len, limit ns) -> pointer to
    ;; the poll result (list<u32> as pointer and length) at 0
    (func (export "poll-within") (param $in i32) (param $len i32) (param $limit i64)
                                 (result i32)
      (local $list i32) (local $i i32)
      (local.set $list (call $realloc (i32.const 0) (i32.const 0) (i32.const 4)
        (i32.shl (i32.add (local.get $len) (i32.const 1)) (i32.const 2))))
      (memory.copy (local.get $list) (local.get $in) (i32.shl (local.get $len) (i32.const 2)))
      (i32.store (i32.add (local.get $list) (i32.shl (local.get $len) (i32.const 2)))
                 (call $subscribe (local.get $limit)))
      (call $poll (local.get $list) (i32.add (local.get $len) (i32.const 1)) (i32.const 0))
      ;; the timer, then each borrowed pollable
      (call $drop (i32.load (i32.add (local.get $list) (i32.shl (local.get $len) (i32.const 2)))))
      (block $done
        (loop $each
          (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
          (call $drop (i32.load (i32.add (local.get $in) (i32.shl (local.get $i) (i32.const 2)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $each)))
      (global.set $next (i32.const 128))
      (i32.const 0)))

  (core instance $wait (instantiate $wait-module
    (with "heap" (instance $heap))
    (with "io" (instance
      (export "poll" (func $poll))
      (export "subscribe" (func $subscribe))
      (export "drop" (func $drop))))))

  (func (export "poll-within") (param "in" (list (borrow $pollable))) (param "limit-ns" u64)
    (result (list u32))
    (canon lift (core func $wait "poll-within") (memory $memory) (realloc $realloc)))
)
