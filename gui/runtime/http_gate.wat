;; The HTTP gate: a tiny component the host places in front of wasi:http.
;;
;; Only wasmtime's own wasi:http implementation can read an outgoing
;; request, and wasmtime-py has no hook to filter requests. So the host
;; links a plugin's `wasi:http/outgoing-handler.handle` to a Python function
;; (gui/runtime/http_gate.py) that asks this component, instantiated in the
;; plugin's Store from a linker with the real wasi:http, for the request's
;; authority; then either refuses with an error value or calls
;; `forward`, which caps the request's timeouts and hands it to the real
;; `handle`.
;;
;; Written by hand in the component text format (wasmtime compiles it at
;; run time; no build step). Canonical ABI notes:
;; - results that do not fit in one core value are written to memory at a
;;   pointer (bytes 0..127 here) and the lifted export returns that pointer;
;; - strings the host lowers into this component are allocated with
;;   `realloc`, a bump allocator reset at the start of every call (the last
;;   call's strings are read by the host before the next call);
;; - a borrowed handle an export receives must be dropped before it returns.
;; Memory and realloc live in their own core module so that the lowered
;; imports (which need them) can be made before the main module exists.
(component
  (import "wasi:http/types@0.2.12" (instance $types
    (export "outgoing-request" (type $request (sub resource)))
    (export "request-options" (type $options (sub resource)))
    (export "future-incoming-response" (type $future (sub resource)))
    (type $dns-payload (record (field "rcode" (option string)) (field "info-code" (option u16))))
    (export "DNS-error-payload" (type $dns-payload-e (eq $dns-payload)))
    (type $tls-payload (record (field "alert-id" (option u8)) (field "alert-message" (option string))))
    (export "TLS-alert-received-payload" (type $tls-payload-e (eq $tls-payload)))
    (type $field-size (record (field "field-name" (option string)) (field "field-size" (option u32))))
    (export "field-size-payload" (type $field-size-e (eq $field-size)))
    (type $error-code (variant
      (case "DNS-timeout") (case "DNS-error" $dns-payload-e) (case "destination-not-found")
      (case "destination-unavailable") (case "destination-IP-prohibited")
      (case "destination-IP-unroutable") (case "connection-refused")
      (case "connection-terminated") (case "connection-timeout")
      (case "connection-read-timeout") (case "connection-write-timeout")
      (case "connection-limit-reached") (case "TLS-protocol-error")
      (case "TLS-certificate-error") (case "TLS-alert-received" $tls-payload-e)
      (case "HTTP-request-denied") (case "HTTP-request-length-required")
      (case "HTTP-request-body-size" (option u64)) (case "HTTP-request-method-invalid")
      (case "HTTP-request-URI-invalid") (case "HTTP-request-URI-too-long")
      (case "HTTP-request-header-section-size" (option u32))
      (case "HTTP-request-header-size" (option $field-size-e))
      (case "HTTP-request-trailer-section-size" (option u32))
      (case "HTTP-request-trailer-size" $field-size-e) (case "HTTP-response-incomplete")
      (case "HTTP-response-header-section-size" (option u32))
      (case "HTTP-response-header-size" $field-size-e)
      (case "HTTP-response-body-size" (option u64))
      (case "HTTP-response-trailer-section-size" (option u32))
      (case "HTTP-response-trailer-size" $field-size-e)
      (case "HTTP-response-transfer-coding" (option string))
      (case "HTTP-response-content-coding" (option string)) (case "HTTP-response-timeout")
      (case "HTTP-upgrade-failed") (case "HTTP-protocol-error") (case "loop-detected")
      (case "configuration-error") (case "internal-error" (option string))))
    (export "error-code" (type $error-code-e (eq $error-code)))
    (export "[method]outgoing-request.authority"
      (func (param "self" (borrow $request)) (result (option string))))
    (export "[constructor]request-options" (func (result (own $options))))
    (export "[method]request-options.connect-timeout"
      (func (param "self" (borrow $options)) (result (option u64))))
    (export "[method]request-options.set-connect-timeout"
      (func (param "self" (borrow $options)) (param "duration" (option u64)) (result (result))))
    (export "[method]request-options.first-byte-timeout"
      (func (param "self" (borrow $options)) (result (option u64))))
    (export "[method]request-options.set-first-byte-timeout"
      (func (param "self" (borrow $options)) (param "duration" (option u64)) (result (result))))
    (export "[method]request-options.between-bytes-timeout"
      (func (param "self" (borrow $options)) (result (option u64))))
    (export "[method]request-options.set-between-bytes-timeout"
      (func (param "self" (borrow $options)) (param "duration" (option u64)) (result (result))))
  ))
  (alias export $types "outgoing-request" (type $request))
  (alias export $types "request-options" (type $options))
  (alias export $types "future-incoming-response" (type $future))
  (alias export $types "error-code" (type $error-code))
  (import "wasi:http/outgoing-handler@0.2.12" (instance $handler
    (export "handle" (func
      (param "request" (own $request)) (param "options" (option (own $options)))
      (result (result (own $future) (error $error-code)))))
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

  (core func $authority (canon lower (func $types "[method]outgoing-request.authority")
    (memory $memory) (realloc $realloc)))
  (core func $drop-request (canon resource.drop $request))
  (core func $new-options (canon lower (func $types "[constructor]request-options")))
  (core func $get-connect (canon lower (func $types "[method]request-options.connect-timeout")
    (memory $memory)))
  (core func $set-connect (canon lower (func $types "[method]request-options.set-connect-timeout")))
  (core func $get-first (canon lower (func $types "[method]request-options.first-byte-timeout")
    (memory $memory)))
  (core func $set-first (canon lower (func $types "[method]request-options.set-first-byte-timeout")))
  (core func $get-between (canon lower (func $types "[method]request-options.between-bytes-timeout")
    (memory $memory)))
  (core func $set-between (canon lower (func $types "[method]request-options.set-between-bytes-timeout")))
  (core func $handle (canon lower (func $handler "handle") (memory $memory) (realloc $realloc)))

  (core module $gate-module
    (type $getter (func (param i32 i32)))
    (type $setter (func (param i32 i32 i64) (result i32)))
    (import "heap" "memory" (memory 1))
    (import "heap" "next" (global $next (mut i32)))
    (import "http" "authority" (func $authority (param i32 i32)))
    (import "http" "drop-request" (func $drop-request (param i32)))
    (import "http" "new-options" (func $new-options (result i32)))
    (import "http" "get-connect" (func $get-connect (type $getter)))
    (import "http" "set-connect" (func $set-connect (type $setter)))
    (import "http" "get-first" (func $get-first (type $getter)))
    (import "http" "set-first" (func $set-first (type $setter)))
    (import "http" "get-between" (func $get-between (type $getter)))
    (import "http" "set-between" (func $set-between (type $setter)))
    (import "http" "handle" (func $handle (param i32 i32 i32 i32)))
    ;; getters at 0..2, their setters at 3..5
    (table 6 funcref)
    (elem (i32.const 0) func $get-connect $get-first $get-between
                            $set-connect $set-first $set-between)

    ;; authority-of: (borrow request) -> pointer to option<string> at 0
    (func (export "authority-of") (param $request i32) (result i32)
      (global.set $next (i32.const 128))
      (call $authority (local.get $request) (i32.const 0))
      (call $drop-request (local.get $request))
      (i32.const 0))

    ;; Timeout `which` of `options` becomes at most `limit` nanoseconds.
    (func $cap (param $options i32) (param $which i32) (param $limit i64)
      ;; option<u64> written at 64: case byte at 64, value at 72
      (call_indirect (type $getter) (local.get $options) (i32.const 64) (local.get $which))
      (if (i32.or (i32.eqz (i32.load8_u (i32.const 64)))
                  (i64.gt_u (i64.load (i32.const 72)) (local.get $limit)))
        (then (drop (call_indirect (type $setter)
          (local.get $options) (i32.const 1) (local.get $limit)
          (i32.add (local.get $which) (i32.const 3)))))))

    ;; forward: (own request, option<own options>, limit ns) -> pointer to the result at 0
    (func (export "forward") (param $request i32) (param $has-options i32) (param $options i32)
                             (param $limit i64) (result i32)
      (global.set $next (i32.const 128))
      (if (i32.eqz (local.get $has-options))
        (then (local.set $options (call $new-options))))
      (call $cap (local.get $options) (i32.const 0) (local.get $limit))
      (call $cap (local.get $options) (i32.const 1) (local.get $limit))
      (call $cap (local.get $options) (i32.const 2) (local.get $limit))
      (call $handle (local.get $request) (i32.const 1) (local.get $options) (i32.const 0))
      (i32.const 0)))

  (core instance $gate (instantiate $gate-module
    (with "heap" (instance $heap))
    (with "http" (instance
      (export "authority" (func $authority))
      (export "drop-request" (func $drop-request))
      (export "new-options" (func $new-options))
      (export "get-connect" (func $get-connect))
      (export "set-connect" (func $set-connect))
      (export "get-first" (func $get-first))
      (export "set-first" (func $set-first))
      (export "get-between" (func $get-between))
      (export "set-between" (func $set-between))
      (export "handle" (func $handle))))))

  (func (export "authority-of") (param "request" (borrow $request)) (result (option string))
    (canon lift (core func $gate "authority-of") (memory $memory)))
  (func (export "forward")
    (param "request" (own $request)) (param "options" (option (own $options)))
    (param "limit-ns" u64)
    (result (result (own $future) (error $error-code)))
    (canon lift (core func $gate "forward") (memory $memory)))
)
