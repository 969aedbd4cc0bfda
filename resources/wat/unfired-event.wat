;; unfired-event: on-load registers handler 1 for player-teleport-event (an
;; event type of Pumpkin's WIT that this server never fires) and handler 2 for
;; player-chat-event; handle-event returns its event unchanged.
(module
{common_imports}
  (import "pumpkin:plugin/context@0.1.0" "[method]context.register-event"
    (func $register_event (param i32 i32 i32 i32 i32)))
{common}
  (func (export "on-load") (param $ctx i32) (result i32)
    (call $register_event (local.get $ctx)
      (i32.const 1) (i32.const {EVENT_TYPE_PLAYER_TELEPORT}) (i32.const {PRIORITY_NORMAL})
      (i32.const 0))
    (call $register_event (local.get $ctx)
      (i32.const 2) (i32.const {EVENT_TYPE_PLAYER_CHAT}) (i32.const {PRIORITY_NORMAL})
      (i32.const 0))
    (call $drop_context (local.get $ctx))
    (i32.const {RESULT_OK}))
)
