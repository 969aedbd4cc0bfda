/*
 * _valcodec: component values <-> Python objects, in C.
 *
 * Why this exists: converting a value with ctypes costs ~1 us per struct
 * field touched and ~1 us per C call, so a chat event with two recipients
 * (about 40 such steps each way) spent ~250 us in conversion for ~20 us of
 * guest work. Walking the same tree here costs a few microseconds.
 *
 * What it does and does not do:
 * - A Plan is built once per (frozen, bound) wasmtime-py type node by
 *   gui/runtime/codec.py and mirrors it: kind, children, field or case names,
 *   the variant rules wasmtime-py uses (tagged / untagged, which Python
 *   classes select a case), and for resources the plugin's handle table.
 * - Python values follow wasmtime-py's conventions exactly (Record objects,
 *   Variant, bytes for list<u8>, set for flags, bare payloads for untagged
 *   variants) so host code cannot tell which codec ran.
 * - Memory that wasmtime will own or free is allocated with wasmtime's own
 *   C functions; their addresses are handed over by codec.py (from the
 *   library wasmtime-py loaded) so nothing links against libwasmtime here.
 * - The C layout of wasmtime_component_val_t below is wasmtime 50's
 *   (crates/c-api/include/wasmtime/component/val.h); codec.py checks it
 *   against wasmtime-py's ctypes definitions at import and refuses to run on
 *   a mismatch.
 *
 * Ownership rules (wasmtime 50 C API):
 * - func_call borrows its arguments: the caller deletes them afterwards
 *   (delete_vals). Results belong to the caller: lift_result deletes them.
 * - A host callback's arguments belong to wasmtime; lifting only takes the
 *   resource handles out (the node is reset to bool so nothing is freed
 *   twice). Its results are lowered here and wasmtime frees them.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- wasmtime 50 component value layout ------------------------------------------ */

enum {
    K_BOOL = 0, K_S8, K_U8, K_S16, K_U16, K_S32, K_U32, K_S64, K_U64, K_F32, K_F64,
    K_CHAR, K_STRING, K_LIST, K_RECORD, K_TUPLE, K_VARIANT, K_ENUM, K_OPTION, K_RESULT,
    K_FLAGS, K_RESOURCE,
    /* plan-only kinds */
    P_BYTES = 100,    /* list<u8>, a Python bytes object */
    P_FALLBACK = 101, /* anything else: wasmtime-py's own convert_to_c / convert_from_c */
};

typedef struct { size_t size; uint8_t *data; } byte_vec;
typedef struct val val;
typedef struct rec_entry rec_entry;
typedef struct { size_t size; val *data; } val_vec;
typedef struct { size_t size; rec_entry *data; } rec_vec;
typedef struct { size_t size; byte_vec *data; } name_vec;
typedef struct { byte_vec discriminant; val *val; } variant_of;
typedef struct { bool is_ok; val *val; } result_of;

struct val {
    uint8_t kind;
    union {
        bool boolean;
        int8_t s8; uint8_t u8; int16_t s16; uint16_t u16;
        int32_t s32; uint32_t u32; int64_t s64; uint64_t u64;
        float f32; double f64;
        uint32_t character;
        byte_vec string;
        val_vec list;
        rec_vec record;
        val_vec tuple;
        variant_of variant;
        byte_vec enumeration;
        val *option;
        result_of result;
        name_vec flags;
        struct { size_t size; void *data; } map;
        void *resource;
    } of;
};

struct rec_entry { byte_vec name; val val; };

/* wasmtime's C functions, filled in by setup(). */
static struct {
    void (*byte_vec_new)(byte_vec *, size_t, const uint8_t *);
    void (*vallist_new_uninit)(val_vec *, size_t);
    void (*valrecord_new_uninit)(rec_vec *, size_t);
    void (*valtuple_new_uninit)(val_vec *, size_t);
    void (*valflags_new_uninit)(name_vec *, size_t);
    val *(*val_new)(val *);
    void (*val_delete)(val *);
    void *(*host_new)(bool, uint32_t, uint32_t);
    void *(*host_to_any)(void *, void *, void **);
    void (*host_delete)(void *);
    void *(*any_to_host)(void *, void *, void **);
    void (*any_delete)(void *);
    uint32_t (*host_rep)(void *);
} W;

static bool ready = false;

/* Python helpers, also from setup(). */
static PyObject *RecordClass, *VariantClass, *ForeignResources;
static PyObject *py_error;       /* py_error(address) -> exception for a wasmtime_error_t* */
static PyObject *py_lower;       /* py_lower(type, store, value, address) */
static PyObject *py_lift;        /* py_lift(type, address) -> value */
static PyObject *s_tag, *s_payload, *s_issue, *s_take, *s_get;

/* ---- plans --------------------------------------------------------------------------- */

typedef struct Plan {
    PyObject_HEAD
    int kind;
    Py_ssize_t n;           /* children / fields / cases */
    struct Plan **children; /* n entries, NULL where a case has no payload */
    PyObject **names;       /* n str objects: field or case names */
    const char **utf8;      /* their UTF-8 (owned by the str objects) */
    Py_ssize_t *lens;
    /* variant-like */
    bool tagged, spellable;
    PyObject *by_tag;       /* dict: case name -> index */
    Py_ssize_t n_order;
    Py_ssize_t *order;      /* untagged matching: case indices, in order */
    PyObject **classes;     /* ... and the classes tuple of each (NULL: no payload) */
    Py_ssize_t resource_case; /* first resource case, or -1 */
    /* resource */
    PyObject *table;
    uint32_t type_id;
    bool owned;
    /* fallback */
    PyObject *pytype;
} Plan;

static PyTypeObject PlanType;

/* Plans take part in garbage collection: a resource plan holds the plugin's
   handle table and its type node, and codec.py keeps the plan on that node, a
   cycle that would otherwise keep an unloaded plugin's table alive. */
static int plan_traverse(Plan *p, visitproc visit, void *arg) {
    for (Py_ssize_t i = 0; i < p->n; i++) Py_VISIT((PyObject *)p->children[i]);
    for (Py_ssize_t i = 0; i < p->n_order; i++) Py_VISIT(p->classes[i]);
    Py_VISIT(p->by_tag);
    Py_VISIT(p->table);
    Py_VISIT(p->pytype);
    return 0;
}

static int plan_clear(Plan *p) {
    for (Py_ssize_t i = 0; i < p->n; i++) {
        PyObject *child = (PyObject *)p->children[i];
        p->children[i] = NULL;
        Py_XDECREF(child);
    }
    for (Py_ssize_t i = 0; i < p->n_order; i++) Py_CLEAR(p->classes[i]);
    Py_CLEAR(p->by_tag);
    Py_CLEAR(p->table);
    Py_CLEAR(p->pytype);
    return 0;
}

static void plan_dealloc(Plan *p) {
    PyObject_GC_UnTrack(p);
    if (p->children) plan_clear(p);
    for (Py_ssize_t i = 0; i < p->n; i++) Py_XDECREF(p->names ? p->names[i] : NULL);
    PyMem_Free(p->children);
    PyMem_Free(p->names);
    PyMem_Free(p->utf8);
    PyMem_Free(p->lens);
    PyMem_Free(p->order);
    PyMem_Free(p->classes);
    Py_TYPE(p)->tp_free((PyObject *)p);
}

/*
 * Plan(kind, children, names, info)
 *   children: tuple of Plan or None;  names: tuple of str (same length, or empty)
 *   info by kind:
 *     variant/option/result: (tagged, spellable, ((index, classes|None), ...), resource_case)
 *     resource: (table, type_id, owned, pytype)      fallback: pytype
 */
static int plan_init(Plan *p, PyObject *args, PyObject *kwds) {
    int kind;
    PyObject *children, *names, *info;
    if (!PyArg_ParseTuple(args, "iO!O!O", &kind, &PyTuple_Type, &children, &PyTuple_Type,
                          &names, &info))
        return -1;
    if (p->children) {
        PyErr_SetString(PyExc_RuntimeError, "Plan is already initialised");
        return -1;
    }
    p->kind = kind;
    p->resource_case = -1;
    Py_ssize_t n = PyTuple_GET_SIZE(children);
    if (PyTuple_GET_SIZE(names) != 0 && PyTuple_GET_SIZE(names) != n) {
        PyErr_SetString(PyExc_ValueError, "names and children differ in length");
        return -1;
    }
    p->children = PyMem_Calloc(n ? n : 1, sizeof(Plan *));
    p->names = PyMem_Calloc(n ? n : 1, sizeof(PyObject *));
    p->utf8 = PyMem_Calloc(n ? n : 1, sizeof(char *));
    p->lens = PyMem_Calloc(n ? n : 1, sizeof(Py_ssize_t));
    if (!p->children || !p->names || !p->utf8 || !p->lens) {
        PyErr_NoMemory();
        return -1;
    }
    p->n = n;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *child = PyTuple_GET_ITEM(children, i);
        if (child != Py_None) {
            if (!PyObject_TypeCheck(child, &PlanType)) {
                PyErr_SetString(PyExc_TypeError, "children must be Plan or None");
                return -1;
            }
            Py_INCREF(child);
            p->children[i] = (Plan *)child;
        }
        if (PyTuple_GET_SIZE(names)) {
            PyObject *name = PyTuple_GET_ITEM(names, i);
            if (!PyUnicode_Check(name)) {
                PyErr_SetString(PyExc_TypeError, "names must be str");
                return -1;
            }
            Py_INCREF(name);
            PyUnicode_InternInPlace(&name);
            p->names[i] = name;
            p->utf8[i] = PyUnicode_AsUTF8AndSize(name, &p->lens[i]);
            if (!p->utf8[i]) return -1;
        }
    }
    bool variant_like = kind == K_VARIANT || kind == K_OPTION || kind == K_RESULT;
    if ((variant_like || kind == K_RECORD) && PyTuple_GET_SIZE(names) != n) {
        PyErr_SetString(PyExc_ValueError, "a record or variant plan needs one name per child");
        return -1;
    }
    if (kind == K_LIST || kind == K_TUPLE || kind == K_RECORD) {
        if (kind == K_LIST && n != 1) {
            PyErr_SetString(PyExc_ValueError, "a list plan needs exactly one child");
            return -1;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            if (!p->children[i]) {
                PyErr_SetString(PyExc_ValueError, "list, tuple and record children must be plans");
                return -1;
            }
        }
    }
    if (variant_like) {
        int tagged, spellable;
        PyObject *order;
        Py_ssize_t resource_case;
        if (!PyArg_ParseTuple(info, "ppO!n", &tagged, &spellable, &PyTuple_Type, &order,
                              &resource_case))
            return -1;
        p->tagged = tagged;
        p->spellable = spellable;
        p->resource_case = resource_case;
        p->by_tag = PyDict_New();
        if (!p->by_tag) return -1;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *index = PyLong_FromSsize_t(i);
            if (!index || PyDict_SetItem(p->by_tag, p->names[i], index) < 0) {
                Py_XDECREF(index);
                return -1;
            }
            Py_DECREF(index);
        }
        Py_ssize_t m = PyTuple_GET_SIZE(order);
        p->order = PyMem_Calloc(m ? m : 1, sizeof(Py_ssize_t));
        p->classes = PyMem_Calloc(m ? m : 1, sizeof(PyObject *));
        if (!p->order || !p->classes) {
            PyErr_NoMemory();
            return -1;
        }
        for (Py_ssize_t i = 0; i < m; i++) {
            Py_ssize_t index;
            PyObject *classes;
            if (!PyArg_ParseTuple(PyTuple_GET_ITEM(order, i), "nO", &index, &classes)) return -1;
            if (index < 0 || index >= n) {
                PyErr_SetString(PyExc_ValueError, "case index out of range");
                return -1;
            }
            p->order[i] = index;
            if (classes != Py_None) {
                Py_INCREF(classes);
                p->classes[i] = classes;
            }
            p->n_order = i + 1;
        }
        if (resource_case >= n) {
            PyErr_SetString(PyExc_ValueError, "resource case out of range");
            return -1;
        }
    } else if (kind == K_RESOURCE) {
        PyObject *table, *pytype;
        unsigned int type_id;
        int owned;
        if (!PyArg_ParseTuple(info, "OIpO", &table, &type_id, &owned, &pytype)) return -1;
        Py_INCREF(table);
        p->table = table;
        p->type_id = type_id;
        p->owned = owned;
        Py_INCREF(pytype);
        p->pytype = pytype;
    } else if (kind == P_FALLBACK) {
        Py_INCREF(info);
        p->pytype = info;
    }
    return 0;
}

static PyTypeObject PlanType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "gui.runtime._valcodec.Plan",
    .tp_doc = "How to convert one component type (built by gui.runtime.codec).",
    .tp_basicsize = sizeof(Plan),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_traverse = (traverseproc)plan_traverse,
    .tp_clear = (inquiry)plan_clear,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)plan_init,
    .tp_dealloc = (destructor)plan_dealloc,
};

/* ---- shared helpers ------------------------------------------------------------------- */

typedef struct {
    void *context;    /* wasmtime_context_t* of the store */
    PyObject *store;  /* for fallbacks */
    PyObject *lent;   /* list: (table, rep) of borrows lent for this call */
} Ctx;

static void *address_of(PyObject *obj) {
    /* An int address, or a ctypes pointer (its buffer holds the address). */
    if (PyLong_Check(obj)) return PyLong_AsVoidPtr(obj);
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0) return NULL;
    void *out = NULL;
    if (view.len == sizeof(void *)) memcpy(&out, view.buf, sizeof(void *));
    else PyErr_SetString(PyExc_TypeError, "expected an address or a ctypes pointer");
    PyBuffer_Release(&view);
    return out;
}

static void raise_wasmtime(void *err) {
    PyObject *addr = PyLong_FromVoidPtr(err);
    if (!addr) return;
    PyObject *exc = PyObject_CallOneArg(py_error, addr);
    Py_DECREF(addr);
    if (exc) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
}

static void reset(val *v) {
    v->kind = K_BOOL;
    v->of.boolean = false;
}

/* Drop a partially built container: its slots are all valid values. */
static void discard(val *v) {
    W.val_delete(v);
    reset(v);
}

static int type_error(const char *what, PyObject *value) {
    PyErr_Format(PyExc_TypeError, "expected %s, got %.100s", what, Py_TYPE(value)->tp_name);
    return -1;
}

static int new_name(byte_vec *out, PyObject *s, const char *what) {
    if (!PyUnicode_Check(s)) return type_error(what, s);
    Py_ssize_t len;
    const char *utf8 = PyUnicode_AsUTF8AndSize(s, &len);
    if (!utf8) return -1;
    W.byte_vec_new(out, (size_t)len, (const uint8_t *)utf8);
    return 0;
}

/* ---- lowering: Python -> C ------------------------------------------------------------ */

static int lower(Plan *p, PyObject *v, val *out, Ctx *cx);

static int lower_fallback(PyObject *pytype, PyObject *v, val *out, Ctx *cx) {
    reset(out);
    PyObject *addr = PyLong_FromVoidPtr(out);
    if (!addr) return -1;
    PyObject *r = PyObject_CallFunctionObjArgs(py_lower, pytype, cx->store, v, addr, NULL);
    Py_DECREF(addr);
    if (!r) return -1;
    Py_DECREF(r);
    return 0;
}

static int lower_int(int kind, PyObject *v, val *out) {
    if (!PyLong_Check(v)) return type_error("int", v);
    if (kind == K_U64) {
        unsigned long long x = PyLong_AsUnsignedLongLong(v);
        if (x == (unsigned long long)-1 && PyErr_Occurred()) return -1;
        out->kind = K_U64;
        out->of.u64 = x;
        return 0;
    }
    long long x = PyLong_AsLongLong(v);
    if (x == -1 && PyErr_Occurred()) return -1;
    long long lo, hi;
    switch (kind) {
    case K_S8: lo = INT8_MIN; hi = INT8_MAX; break;
    case K_U8: lo = 0; hi = UINT8_MAX; break;
    case K_S16: lo = INT16_MIN; hi = INT16_MAX; break;
    case K_U16: lo = 0; hi = UINT16_MAX; break;
    case K_S32: lo = INT32_MIN; hi = INT32_MAX; break;
    case K_U32: lo = 0; hi = UINT32_MAX; break;
    default: lo = INT64_MIN; hi = INT64_MAX; break;
    }
    if (x < lo || x > hi) {
        PyErr_Format(PyExc_OverflowError, "%lld does not fit the integer type", x);
        return -1;
    }
    out->kind = (uint8_t)kind;
    switch (kind) {
    case K_S8: out->of.s8 = (int8_t)x; break;
    case K_U8: out->of.u8 = (uint8_t)x; break;
    case K_S16: out->of.s16 = (int16_t)x; break;
    case K_U16: out->of.u16 = (uint16_t)x; break;
    case K_S32: out->of.s32 = (int32_t)x; break;
    case K_U32: out->of.u32 = (uint32_t)x; break;
    default: out->of.s64 = (int64_t)x; break;
    }
    return 0;
}

static int lower_seq(Plan *element, PyObject *v, val *out, bool tuple, Ctx *cx) {
    /* A tuple of our own (the same object for a tuple): lowering an element runs
       Python code, which could otherwise resize a list under this loop. */
    PyObject *seq = PySequence_Tuple(v);
    if (!seq) return -1;
    Py_ssize_t n = PyTuple_GET_SIZE(seq);
    val_vec vec;
    if (tuple) W.valtuple_new_uninit(&vec, (size_t)n);
    else W.vallist_new_uninit(&vec, (size_t)n);
    for (Py_ssize_t i = 0; i < n; i++) reset(&vec.data[i]);
    out->kind = tuple ? K_TUPLE : K_LIST;
    out->of.list = vec;
    for (Py_ssize_t i = 0; i < n; i++) {
        Plan *ty = tuple ? element->children[i] : element;
        if (lower(ty, PyTuple_GET_ITEM(seq, i), &vec.data[i], cx) < 0) {
            Py_DECREF(seq);
            discard(out);
            return -1;
        }
    }
    Py_DECREF(seq);
    return 0;
}

static int lower_bytes(PyObject *v, val *out) {
    if (!PyBytes_Check(v)) return type_error("bytes", v);
    Py_ssize_t n = PyBytes_GET_SIZE(v);
    const uint8_t *b = (const uint8_t *)PyBytes_AS_STRING(v);
    val_vec vec;
    W.vallist_new_uninit(&vec, (size_t)n);
    for (Py_ssize_t i = 0; i < n; i++) {
        vec.data[i].kind = K_U8;
        vec.data[i].of.u8 = b[i];
    }
    out->kind = K_LIST;
    out->of.list = vec;
    return 0;
}

static int lower_record(Plan *p, PyObject *v, val *out, Ctx *cx) {
    rec_vec vec;
    W.valrecord_new_uninit(&vec, (size_t)p->n);
    for (Py_ssize_t i = 0; i < p->n; i++) {
        W.byte_vec_new(&vec.data[i].name, (size_t)p->lens[i], (const uint8_t *)p->utf8[i]);
        reset(&vec.data[i].val);
    }
    out->kind = K_RECORD;
    out->of.record = vec;
    for (Py_ssize_t i = 0; i < p->n; i++) {
        PyObject *field = PyObject_GetAttr(v, p->names[i]);
        int rc = field ? lower(p->children[i], field, &vec.data[i].val, cx) : -1;
        Py_XDECREF(field);
        if (rc < 0) {
            discard(out);
            return -1;
        }
    }
    return 0;
}

/* Which case of a variant-like value, and its payload (a new reference). */
static Py_ssize_t choose_case(Plan *p, PyObject *v, PyObject **payload) {
    int is_variant = PyObject_IsInstance(v, VariantClass);
    if (is_variant < 0) return -1;
    if (p->tagged || (p->spellable && is_variant)) {
        if (!is_variant) {
            type_error("Variant", v);
            return -1;
        }
        PyObject *tag = PyObject_GetAttr(v, s_tag);
        if (!tag) return -1;
        PyObject *index = PyDict_GetItemWithError(p->by_tag, tag);
        if (index) {
            Py_DECREF(tag);
            PyObject *pl = PyObject_GetAttr(v, s_payload);
            if (!pl) return -1;
            Py_ssize_t chosen = PyLong_AsSsize_t(index);
            if (chosen < 0) {
                Py_DECREF(pl);
                return -1;
            }
            *payload = pl;
            return chosen;
        }
        if (p->tagged) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_ValueError, "no case %R in this variant", tag);
            Py_DECREF(tag);
            return -1;
        }
        Py_DECREF(tag);
        if (PyErr_Occurred()) return -1;
        /* an unknown tag on a spellable variant: the Variant is itself the payload */
    }
    Py_ssize_t chosen = -1;
    for (Py_ssize_t i = 0; i < p->n_order && chosen < 0; i++) {
        PyObject *classes = p->classes[i];
        if (classes == NULL) {
            if (v == Py_None) chosen = p->order[i];
            continue;
        }
        int match = PyObject_IsInstance(v, classes);
        if (match < 0) return -1;
        if (match) chosen = p->order[i];
    }
    if (chosen < 0 && v != Py_None && p->resource_case >= 0) chosen = p->resource_case;
    if (chosen >= 0) {
        Py_INCREF(v);
        *payload = v;
        return chosen;
    }
    PyErr_Format(PyExc_ValueError, "value %R is valid for no case of this variant", v);
    return -1;
}

static int lower_variant(Plan *p, PyObject *v, val *out, Ctx *cx) {
    PyObject *payload = NULL;
    Py_ssize_t index = choose_case(p, v, &payload);
    if (index < 0) return -1;
    val *boxed = NULL;
    if (p->children[index]) {
        val tmp;
        reset(&tmp);
        if (lower(p->children[index], payload, &tmp, cx) < 0) {
            Py_DECREF(payload);
            return -1;
        }
        boxed = W.val_new(&tmp); /* moves tmp */
    }
    Py_DECREF(payload);
    switch (p->kind) {
    case K_VARIANT:
        out->kind = K_VARIANT;
        W.byte_vec_new(&out->of.variant.discriminant, (size_t)p->lens[index],
                       (const uint8_t *)p->utf8[index]);
        out->of.variant.val = boxed;
        break;
    case K_OPTION:
        out->kind = K_OPTION;
        out->of.option = index == 0 ? NULL : boxed;
        break;
    default:
        out->kind = K_RESULT;
        out->of.result.is_ok = index == 0;
        out->of.result.val = boxed;
        break;
    }
    return 0;
}

static int lower_flags(PyObject *v, val *out) {
    if (!PyAnySet_Check(v)) return type_error("set", v);
    PyObject *items = PySequence_List(v);
    if (!items) return -1;
    Py_ssize_t n = PyList_GET_SIZE(items);
    /* Encode every name first, so a failure leaves nothing half-built. The UTF-8
       buffers belong to the str objects, which `items` keeps alive. */
    const char **utf8 = PyMem_Calloc(n ? n : 1, sizeof(char *));
    Py_ssize_t *lens = PyMem_Calloc(n ? n : 1, sizeof(Py_ssize_t));
    if (!utf8 || !lens) {
        PyMem_Free(utf8);
        PyMem_Free(lens);
        Py_DECREF(items);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *name = PyList_GET_ITEM(items, i);
        utf8[i] = PyUnicode_Check(name) ? PyUnicode_AsUTF8AndSize(name, &lens[i]) : NULL;
        if (!utf8[i]) {
            if (!PyErr_Occurred()) type_error("a set of str", v);
            PyMem_Free(utf8);
            PyMem_Free(lens);
            Py_DECREF(items);
            return -1;
        }
    }
    name_vec vec;
    W.valflags_new_uninit(&vec, (size_t)n);
    for (Py_ssize_t i = 0; i < n; i++)
        W.byte_vec_new(&vec.data[i], (size_t)lens[i], (const uint8_t *)utf8[i]);
    PyMem_Free(utf8);
    PyMem_Free(lens);
    Py_DECREF(items);
    out->kind = K_FLAGS;
    out->of.flags = vec;
    return 0;
}

static int lower_resource(Plan *p, PyObject *v, val *out, Ctx *cx) {
    int foreign = PyObject_IsInstance(v, ForeignResources);
    if (foreign < 0) return -1;
    if (foreign) return lower_fallback(p->pytype, v, out, cx); /* wasmtime-py's own handle */
    PyObject *rep_obj = PyObject_CallMethodOneArg(p->table, s_issue, v);
    if (!rep_obj) return -1;
    unsigned long rep = PyLong_AsUnsignedLong(rep_obj);
    if (rep == (unsigned long)-1 && PyErr_Occurred()) {
        Py_DECREF(rep_obj);
        return -1;
    }
    if (rep > UINT32_MAX) {
        Py_DECREF(rep_obj);
        PyErr_Format(PyExc_OverflowError, "resource handle %lu does not fit in 32 bits", rep);
        return -1;
    }
    if (!p->owned) {
        PyObject *entry = PyTuple_Pack(2, p->table, rep_obj);
        int rc = entry ? PyList_Append(cx->lent, entry) : -1;
        Py_XDECREF(entry);
        if (rc < 0) {
            Py_DECREF(rep_obj);
            return -1;
        }
    }
    Py_DECREF(rep_obj);
    void *host = W.host_new(p->owned, (uint32_t)rep, p->type_id);
    void *any = NULL;
    void *err = W.host_to_any(cx->context, host, &any);
    W.host_delete(host);
    if (err) {
        raise_wasmtime(err);
        return -1;
    }
    out->kind = K_RESOURCE;
    out->of.resource = any;
    return 0;
}

static int lower(Plan *p, PyObject *v, val *out, Ctx *cx) {
    switch (p->kind) {
    case K_BOOL:
        if (!PyBool_Check(v)) return type_error("bool", v);
        out->kind = K_BOOL;
        out->of.boolean = v == Py_True;
        return 0;
    case K_S8: case K_U8: case K_S16: case K_U16: case K_S32: case K_U32: case K_S64:
    case K_U64:
        return lower_int(p->kind, v, out);
    case K_F32: case K_F64: {
        if (!PyFloat_Check(v) && !PyLong_Check(v)) return type_error("float", v);
        double x = PyFloat_AsDouble(v);
        if (x == -1.0 && PyErr_Occurred()) return -1;
        out->kind = (uint8_t)p->kind;
        if (p->kind == K_F32) out->of.f32 = (float)x;
        else out->of.f64 = x;
        return 0;
    }
    case K_CHAR:
        if (!PyUnicode_Check(v) || PyUnicode_GET_LENGTH(v) != 1)
            return type_error("a one-character str", v);
    {
        Py_UCS4 c = PyUnicode_READ_CHAR(v, 0);
        /* A surrogate is no Unicode scalar value: wasmtime's C API would panic
           (and abort the process) converting it to a Rust char. */
        if (c >= 0xD800 && c <= 0xDFFF) {
            PyErr_Format(PyExc_ValueError, "char U+%04X is a surrogate, not a Unicode scalar value",
                         (unsigned int)c);
            return -1;
        }
        out->kind = K_CHAR;
        out->of.character = c;
        return 0;
    }
    case K_STRING:
        if (new_name(&out->of.string, v, "str") < 0) return -1;
        out->kind = K_STRING;
        return 0;
    case K_ENUM:
        if (new_name(&out->of.enumeration, v, "str") < 0) return -1;
        out->kind = K_ENUM;
        return 0;
    case K_LIST:
        if (!PyList_Check(v) && !PyTuple_Check(v)) return type_error("list", v);
        return lower_seq(p->children[0], v, out, false, cx);
    case P_BYTES:
        return lower_bytes(v, out);
    case K_TUPLE:
        if (!PyTuple_Check(v)) return type_error("tuple", v);
        if (PyTuple_GET_SIZE(v) != p->n) {
            PyErr_Format(PyExc_TypeError, "expected a tuple of %zd, got %zd", p->n,
                         PyTuple_GET_SIZE(v));
            return -1;
        }
        return lower_seq(p, v, out, true, cx);
    case K_RECORD:
        return lower_record(p, v, out, cx);
    case K_VARIANT: case K_OPTION: case K_RESULT:
        return lower_variant(p, v, out, cx);
    case K_FLAGS:
        return lower_flags(v, out);
    case K_RESOURCE:
        return lower_resource(p, v, out, cx);
    default:
        return lower_fallback(p->pytype, v, out, cx);
    }
}

/* ---- lifting: C -> Python ------------------------------------------------------------- */

static PyObject *lift(Plan *p, val *c, Ctx *cx);

static PyObject *wrong_kind(Plan *p, val *c) {
    PyErr_Format(PyExc_TypeError, "guest value of kind %d where kind %d was expected",
                 (int)c->kind, p->kind);
    return NULL;
}

static PyObject *decode(const byte_vec *b) {
    return PyUnicode_DecodeUTF8((const char *)b->data, (Py_ssize_t)b->size, "strict");
}

static PyObject *lift_variant(Plan *p, val *c, Ctx *cx) {
    Py_ssize_t index = -1;
    val *payload = NULL;
    if (p->kind == K_VARIANT) {
        if (c->kind != K_VARIANT) return wrong_kind(p, c);
        byte_vec *d = &c->of.variant.discriminant;
        for (Py_ssize_t i = 0; i < p->n; i++) {
            if ((size_t)p->lens[i] == d->size && memcmp(p->utf8[i], d->data, d->size) == 0) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            PyObject *name = decode(d);
            if (name) {
                PyErr_Format(PyExc_ValueError, "guest returned an unknown variant case %R",
                             name);
                Py_DECREF(name);
            }
            return NULL;
        }
        payload = c->of.variant.val;
    } else if (p->kind == K_OPTION) {
        if (c->kind != K_OPTION) return wrong_kind(p, c);
        payload = c->of.option;
        index = payload ? 1 : 0;
    } else {
        if (c->kind != K_RESULT) return wrong_kind(p, c);
        payload = c->of.result.val;
        index = c->of.result.is_ok ? 0 : 1;
    }
    PyObject *value;
    if (p->children[index] && payload) {
        value = lift(p->children[index], payload, cx);
        if (!value) return NULL;
    } else {
        value = Py_NewRef(Py_None);
    }
    if (!p->tagged) return value;
    PyObject *variant = PyObject_CallFunctionObjArgs(VariantClass, p->names[index], value, NULL);
    Py_DECREF(value);
    return variant;
}

static PyObject *lift_resource(Plan *p, val *c, Ctx *cx) {
    if (c->kind != K_RESOURCE) return wrong_kind(p, c);
    void *any = c->of.resource;
    reset(c); /* the handle is ours now: nothing frees it twice */
    void *host = NULL;
    void *err = W.any_to_host(cx->context, any, &host); /* also releases a borrow */
    W.any_delete(any);
    if (err) {
        raise_wasmtime(err);
        return NULL;
    }
    uint32_t rep = W.host_rep(host);
    W.host_delete(host);
    PyObject *rep_obj = PyLong_FromUnsignedLong(rep);
    if (!rep_obj) return NULL;
    PyObject *obj = PyObject_CallMethodOneArg(p->table, p->owned ? s_take : s_get, rep_obj);
    Py_DECREF(rep_obj);
    return obj;
}

static PyObject *lift(Plan *p, val *c, Ctx *cx) {
    switch (p->kind) {
    case K_BOOL:
        if (c->kind != K_BOOL) return wrong_kind(p, c);
        return PyBool_FromLong(c->of.boolean);
    case K_S8: if (c->kind != p->kind) return wrong_kind(p, c); return PyLong_FromLong(c->of.s8);
    case K_U8: if (c->kind != p->kind) return wrong_kind(p, c); return PyLong_FromLong(c->of.u8);
    case K_S16: if (c->kind != p->kind) return wrong_kind(p, c); return PyLong_FromLong(c->of.s16);
    case K_U16: if (c->kind != p->kind) return wrong_kind(p, c); return PyLong_FromLong(c->of.u16);
    case K_S32: if (c->kind != p->kind) return wrong_kind(p, c); return PyLong_FromLong(c->of.s32);
    case K_U32:
        if (c->kind != p->kind) return wrong_kind(p, c);
        return PyLong_FromUnsignedLong(c->of.u32);
    case K_S64:
        if (c->kind != p->kind) return wrong_kind(p, c);
        return PyLong_FromLongLong(c->of.s64);
    case K_U64:
        if (c->kind != p->kind) return wrong_kind(p, c);
        return PyLong_FromUnsignedLongLong(c->of.u64);
    case K_F32: if (c->kind != p->kind) return wrong_kind(p, c); return PyFloat_FromDouble(c->of.f32);
    case K_F64: if (c->kind != p->kind) return wrong_kind(p, c); return PyFloat_FromDouble(c->of.f64);
    case K_CHAR:
        if (c->kind != K_CHAR) return wrong_kind(p, c);
        return PyUnicode_FromOrdinal((int)c->of.character);
    case K_STRING:
        if (c->kind != K_STRING) return wrong_kind(p, c);
        return decode(&c->of.string);
    case K_ENUM:
        if (c->kind != K_ENUM) return wrong_kind(p, c);
        return decode(&c->of.enumeration);
    case P_BYTES: {
        if (c->kind != K_LIST) return wrong_kind(p, c);
        PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)c->of.list.size);
        if (!out) return NULL;
        char *b = PyBytes_AS_STRING(out);
        for (size_t i = 0; i < c->of.list.size; i++) b[i] = (char)c->of.list.data[i].of.u8;
        return out;
    }
    case K_LIST: case K_TUPLE: {
        if (c->kind != p->kind) return wrong_kind(p, c);
        Py_ssize_t n = (Py_ssize_t)c->of.list.size;
        if (p->kind == K_TUPLE && n != p->n) return wrong_kind(p, c);
        PyObject *out = p->kind == K_LIST ? PyList_New(n) : PyTuple_New(n);
        if (!out) return NULL;
        for (Py_ssize_t i = 0; i < n; i++) {
            Plan *ty = p->kind == K_LIST ? p->children[0] : p->children[i];
            PyObject *item = lift(ty, &c->of.list.data[i], cx);
            if (!item) {
                Py_DECREF(out);
                return NULL;
            }
            if (p->kind == K_LIST) PyList_SET_ITEM(out, i, item);
            else PyTuple_SET_ITEM(out, i, item);
        }
        return out;
    }
    case K_RECORD: {
        if (c->kind != K_RECORD || (Py_ssize_t)c->of.record.size != p->n) return wrong_kind(p, c);
        PyObject *out = PyObject_CallNoArgs(RecordClass);
        if (!out) return NULL;
        for (Py_ssize_t i = 0; i < p->n; i++) {
            PyObject *item = lift(p->children[i], &c->of.record.data[i].val, cx);
            if (!item || PyObject_SetAttr(out, p->names[i], item) < 0) {
                Py_XDECREF(item);
                Py_DECREF(out);
                return NULL;
            }
            Py_DECREF(item);
        }
        return out;
    }
    case K_VARIANT: case K_OPTION: case K_RESULT:
        return lift_variant(p, c, cx);
    case K_FLAGS: {
        if (c->kind != K_FLAGS) return wrong_kind(p, c);
        PyObject *out = PySet_New(NULL);
        if (!out) return NULL;
        for (size_t i = 0; i < c->of.flags.size; i++) {
            PyObject *name = decode(&c->of.flags.data[i]);
            if (!name || PySet_Add(out, name) < 0) {
                Py_XDECREF(name);
                Py_DECREF(out);
                return NULL;
            }
            Py_DECREF(name);
        }
        return out;
    }
    case K_RESOURCE:
        return lift_resource(p, c, cx);
    default: {
        PyObject *addr = PyLong_FromVoidPtr(c);
        if (!addr) return NULL;
        PyObject *out = PyObject_CallFunctionObjArgs(py_lift, p->pytype, addr, NULL);
        Py_DECREF(addr);
        reset(c); /* whatever wasmtime-py left behind is not freed twice */
        return out;
    }
    }
}

/* ---- module functions ----------------------------------------------------------------- */

static int check_ready(void) {
    if (!ready) PyErr_SetString(PyExc_RuntimeError, "_valcodec.setup() has not been called");
    return ready ? 0 : -1;
}

static int plans_of(PyObject *plans, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyObject_TypeCheck(PyTuple_GET_ITEM(plans, i), &PlanType)) {
            PyErr_SetString(PyExc_TypeError, "plans must be Plan objects");
            return -1;
        }
    }
    return 0;
}

/* lower_into(plans, values, address, context, store, lent) -> None
 * Lowers values[i] into the i-th val at address. On error every val is left
 * empty (bool), so the array can always be passed to delete_vals. */
static PyObject *m_lower_into(PyObject *self, PyObject *args) {
    PyObject *plans, *values, *addr, *context, *store, *lent;
    if (!PyArg_ParseTuple(args, "O!O!OOOO!", &PyTuple_Type, &plans, &PyTuple_Type, &values,
                          &addr, &context, &store, &PyList_Type, &lent))
        return NULL;
    if (check_ready() < 0) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(plans);
    if (PyTuple_GET_SIZE(values) != n) {
        PyErr_Format(PyExc_TypeError, "expected %zd values, got %zd", n,
                     PyTuple_GET_SIZE(values));
        return NULL;
    }
    if (plans_of(plans, n) < 0) return NULL;
    val *out = address_of(addr);
    if (!out && PyErr_Occurred()) return NULL;
    Ctx cx = {address_of(context), store, lent};
    if (!cx.context && PyErr_Occurred()) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) reset(&out[i]);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (lower((Plan *)PyTuple_GET_ITEM(plans, i), PyTuple_GET_ITEM(values, i), &out[i],
                  &cx) < 0) {
            for (Py_ssize_t j = 0; j < i; j++) discard(&out[j]);
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

/* lift_from(plans, address, context, owned) -> list
 * Lifts the vals at address. owned: they are ours, and are deleted afterwards
 * (a call's result); otherwise wasmtime frees them (a host callback's args). */
static PyObject *m_lift_from(PyObject *self, PyObject *args) {
    PyObject *plans, *addr, *context;
    int owned;
    if (!PyArg_ParseTuple(args, "O!OOp", &PyTuple_Type, &plans, &addr, &context, &owned))
        return NULL;
    if (check_ready() < 0) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(plans);
    if (plans_of(plans, n) < 0) return NULL;
    val *in = address_of(addr);
    if (!in && PyErr_Occurred()) return NULL;
    Ctx cx = {address_of(context), NULL, NULL};
    if (!cx.context && PyErr_Occurred()) return NULL;
    PyObject *out = PyList_New(n);
    if (!out) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = lift((Plan *)PyTuple_GET_ITEM(plans, i), &in[i], &cx);
        if (!item) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, item);
    }
    if (owned)
        for (Py_ssize_t i = 0; i < n; i++) discard(&in[i]);
    return out;
}

/* delete_vals(address, count): drop the contents of lowered argument vals. */
static PyObject *m_delete_vals(PyObject *self, PyObject *args) {
    PyObject *addr;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "On", &addr, &n)) return NULL;
    if (check_ready() < 0) return NULL;
    val *vals = address_of(addr);
    if (!vals && PyErr_Occurred()) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) discard(&vals[i]);
    Py_RETURN_NONE;
}

/* setup(functions, helpers, layout)
 *   functions: dict name -> address of wasmtime's C functions
 *   helpers: (Record, Variant, (ResourceHost, ResourceAny), error, lower, lift)
 *   layout: (sizeof val, offsetof val.of, sizeof record entry, offsetof entry.val) as
 *           wasmtime-py's ctypes declares them; a mismatch refuses setup. */
static PyObject *m_setup(PyObject *self, PyObject *args) {
    PyObject *functions, *helpers, *layout;
    if (!PyArg_ParseTuple(args, "O!O!O!", &PyDict_Type, &functions, &PyTuple_Type, &helpers,
                          &PyTuple_Type, &layout))
        return NULL;
    Py_ssize_t sizes[4];
    if (!PyArg_ParseTuple(layout, "nnnn", &sizes[0], &sizes[1], &sizes[2], &sizes[3]))
        return NULL;
    Py_ssize_t ours[4] = {sizeof(val), offsetof(val, of), sizeof(rec_entry),
                          offsetof(rec_entry, val)};
    for (int i = 0; i < 4; i++) {
        if (sizes[i] != ours[i]) {
            PyErr_Format(PyExc_RuntimeError,
                         "wasmtime_component_val_t layout differs from the one _valcodec was "
                         "written for (field %d: %zd vs %zd)", i, sizes[i], ours[i]);
            return NULL;
        }
    }
    struct { const char *name; void **slot; } table[] = {
        {"wasm_byte_vec_new", (void **)&W.byte_vec_new},
        {"wasmtime_component_vallist_new_uninit", (void **)&W.vallist_new_uninit},
        {"wasmtime_component_valrecord_new_uninit", (void **)&W.valrecord_new_uninit},
        {"wasmtime_component_valtuple_new_uninit", (void **)&W.valtuple_new_uninit},
        {"wasmtime_component_valflags_new_uninit", (void **)&W.valflags_new_uninit},
        {"wasmtime_component_val_new", (void **)&W.val_new},
        {"wasmtime_component_val_delete", (void **)&W.val_delete},
        {"wasmtime_component_resource_host_new", (void **)&W.host_new},
        {"wasmtime_component_resource_host_to_any", (void **)&W.host_to_any},
        {"wasmtime_component_resource_host_delete", (void **)&W.host_delete},
        {"wasmtime_component_resource_any_to_host", (void **)&W.any_to_host},
        {"wasmtime_component_resource_any_delete", (void **)&W.any_delete},
        {"wasmtime_component_resource_host_rep", (void **)&W.host_rep},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        PyObject *addr = PyDict_GetItemString(functions, table[i].name);
        if (!addr) {
            PyErr_Format(PyExc_KeyError, "missing wasmtime function %s", table[i].name);
            return NULL;
        }
        void *fn = PyLong_AsVoidPtr(addr);
        if (!fn) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_ValueError, "null address for %s", table[i].name);
            return NULL;
        }
        *table[i].slot = fn;
    }
    PyObject *record, *variant, *foreign, *error, *lower_fn, *lift_fn;
    if (!PyArg_ParseTuple(helpers, "OOOOOO", &record, &variant, &foreign, &error, &lower_fn,
                          &lift_fn))
        return NULL;
    Py_XSETREF(RecordClass, Py_NewRef(record));
    Py_XSETREF(VariantClass, Py_NewRef(variant));
    Py_XSETREF(ForeignResources, Py_NewRef(foreign));
    Py_XSETREF(py_error, Py_NewRef(error));
    Py_XSETREF(py_lower, Py_NewRef(lower_fn));
    Py_XSETREF(py_lift, Py_NewRef(lift_fn));
    ready = true;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"setup", m_setup, METH_VARARGS, "Hand over wasmtime's C functions and the Python helpers."},
    {"lower_into", m_lower_into, METH_VARARGS, "Lower Python values into C vals."},
    {"lift_from", m_lift_from, METH_VARARGS, "Lift C vals into Python values."},
    {"delete_vals", m_delete_vals, METH_VARARGS, "Drop the contents of C vals."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_valcodec", "Component value conversion in C (see codec.py).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__valcodec(void) {
    if (PyType_Ready(&PlanType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    s_tag = PyUnicode_InternFromString("tag");
    s_payload = PyUnicode_InternFromString("payload");
    s_issue = PyUnicode_InternFromString("issue");
    s_take = PyUnicode_InternFromString("take");
    s_get = PyUnicode_InternFromString("get");
    if (!s_tag || !s_payload || !s_issue || !s_take || !s_get) return NULL;
    Py_INCREF(&PlanType);
    if (PyModule_AddObject(m, "Plan", (PyObject *)&PlanType) < 0) return NULL;
    struct { const char *name; long value; } kinds[] = {
        {"BOOL", K_BOOL}, {"S8", K_S8}, {"U8", K_U8}, {"S16", K_S16}, {"U16", K_U16},
        {"S32", K_S32}, {"U32", K_U32}, {"S64", K_S64}, {"U64", K_U64}, {"F32", K_F32},
        {"F64", K_F64}, {"CHAR", K_CHAR}, {"STRING", K_STRING}, {"LIST", K_LIST},
        {"RECORD", K_RECORD}, {"TUPLE", K_TUPLE}, {"VARIANT", K_VARIANT}, {"ENUM", K_ENUM},
        {"OPTION", K_OPTION}, {"RESULT", K_RESULT}, {"FLAGS", K_FLAGS},
        {"RESOURCE", K_RESOURCE}, {"BYTES", P_BYTES}, {"FALLBACK", P_FALLBACK},
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (PyModule_AddIntConstant(m, kinds[i].name, kinds[i].value) < 0) return NULL;
    return m;
}
