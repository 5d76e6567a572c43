/*
 * facemetric_napi: the N-API shim between JavaScript (src/cuda/) and the facemetric_cuda library
 * (native/cuda/). Plain C against node-api-headers (NAPI_VERSION 8), built with
 * `gcc -shared -fPIC` (native/napi/build.sh); the N-API symbols resolve when Node (or Bun, Deno)
 * loads the addon. It links nothing of CUDA: `load(path)` dlopens the library, first calls its
 * fmc_abi_version() and refuses another version, then resolves the rest.
 *
 * Exports:
 *   abiVersion: number                       the FMC_ABI_VERSION this shim was built for
 *   load(path): { abiVersion, build }        throws Error with code FMC_LOAD / FMC_ABI_MISMATCH;
 *                                            one library per process (the same path again: its info)
 *   probe(): { status, name, message }       status 0: message describes the device
 *   create(program: Int32Array, weights: Float32Array, maxBatch): net (an external)
 *   forward(net, chips: Uint8Array, n, out: Float32Array): undefined
 *   opOutput(net, chips, n, op, out): undefined   op's output after ops 0..op (debugging)
 *   deviceBytes(net): number
 *   destroy(net): undefined                  (also done when the net is garbage collected)
 * Failures throw an Error whose code is FMC_ERR_<status> and whose message is fmc_last_error().
 */
#define NAPI_VERSION 8
#include <dlfcn.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cuda/facemetric_cuda.h"

typedef int (*abi_fn)(void);
typedef const char *(*str_fn)(void);
typedef const char *(*status_name_fn)(int);
typedef int (*probe_fn)(char *, int);
typedef int (*create_fn)(const int32_t *, int64_t, const float *, int64_t, int, int, fmc_net **);
typedef int (*forward_fn)(fmc_net *, const uint8_t *, int64_t, int, float *, int64_t);
typedef int (*op_output_fn)(fmc_net *, const uint8_t *, int64_t, int, int, float *, int64_t);
typedef int64_t (*bytes_fn)(const fmc_net *);
typedef void (*destroy_fn)(fmc_net *);

static struct {
  void *handle;
  char path[4096];
  abi_fn abi_version;
  str_fn build_kind, last_error;
  status_name_fn status_name;
  probe_fn probe;
  create_fn create;
  forward_fn forward;
  op_output_fn op_output;
  bytes_fn device_bytes;
  destroy_fn destroy;
} lib;

typedef struct {
  fmc_net *net;
} net_box;

#define CALL(env, call)                                                                   \
  do {                                                                                    \
    if ((call) != napi_ok) {                                                              \
      const napi_extended_error_info *info_ = NULL;                                       \
      napi_get_last_error_info((env), &info_);                                            \
      bool pending_ = false;                                                              \
      napi_is_exception_pending((env), &pending_);                                        \
      if (!pending_)                                                                      \
        napi_throw_error((env), "FMC_NAPI", info_ && info_->error_message ? info_->error_message : "N-API call failed"); \
      return NULL;                                                                        \
    }                                                                                     \
  } while (0)

static napi_value throw_status(napi_env env, int status) {
  static const char *codes[] = {"FMC_OK", "FMC_ERR_NO_DRIVER", "FMC_ERR_NO_DEVICE", "FMC_ERR_BAD_PROGRAM",
                                "FMC_ERR_BAD_INPUT", "FMC_ERR_OUT_OF_MEMORY", "FMC_ERR_CUDA"};
  const char *code = status >= 0 && status <= 6 ? codes[status] : "FMC_ERR_CUDA";
  const char *msg = lib.last_error ? lib.last_error() : "";
  napi_throw_error(env, code, msg && *msg ? msg : (lib.status_name ? lib.status_name(status) : code));
  return NULL;
}

static bool require_loaded(napi_env env) {
  if (lib.handle) return true;
  napi_throw_error(env, "FMC_LOAD", "facemetric_napi: no library loaded (call load(path) first)");
  return false;
}

static napi_value make_int(napi_env env, int64_t v) {
  napi_value r;
  if (napi_create_int64(env, v, &r) != napi_ok) return NULL;
  return r;
}

static napi_value make_str(napi_env env, const char *s) {
  napi_value r;
  if (napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &r) != napi_ok) return NULL;
  return r;
}

static void *sym(void *h, const char *name, char *missing, size_t len) {
  void *p = dlsym(h, name);
  if (!p && !*missing) snprintf(missing, len, "%s", name);
  return p;
}

static napi_value loaded_info(napi_env env, int version) {
  napi_value r;
  CALL(env, napi_create_object(env, &r));
  CALL(env, napi_set_named_property(env, r, "abiVersion", make_int(env, version)));
  CALL(env, napi_set_named_property(env, r, "build", make_str(env, lib.build_kind())));
  return r;
}

static napi_value js_load(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char path[4096];
  size_t n = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &n) != napi_ok) {
    napi_throw_type_error(env, "FMC_LOAD", "load(path): path must be a string");
    return NULL;
  }
  if (lib.handle && strcmp(lib.path, path) != 0) {
    napi_throw_error(env, "FMC_LOAD", "facemetric_napi: another library is already loaded in this process");
    return NULL;
  }
  if (lib.handle) return loaded_info(env, lib.abi_version());
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    napi_throw_error(env, "FMC_LOAD", dlerror());
    return NULL;
  }
  abi_fn abi = (abi_fn)dlsym(h, "fmc_abi_version");
  if (!abi) {
    dlclose(h);
    napi_throw_error(env, "FMC_LOAD", "not a facemetric_cuda library (no fmc_abi_version)");
    return NULL;
  }
  int version = abi();
  if (version != FMC_ABI_VERSION) {
    char msg[160];
    snprintf(msg, sizeof msg, "the library's ABI version is %d, this build of facemetric needs %d", version, FMC_ABI_VERSION);
    dlclose(h);
    napi_throw_error(env, "FMC_ABI_MISMATCH", msg);
    return NULL;
  }
  char missing[64] = "";
  lib.build_kind = (str_fn)sym(h, "fmc_build_kind", missing, sizeof missing);
  lib.last_error = (str_fn)sym(h, "fmc_last_error", missing, sizeof missing);
  lib.status_name = (status_name_fn)sym(h, "fmc_status_name", missing, sizeof missing);
  lib.probe = (probe_fn)sym(h, "fmc_probe", missing, sizeof missing);
  lib.create = (create_fn)sym(h, "fmc_net_create", missing, sizeof missing);
  lib.forward = (forward_fn)sym(h, "fmc_net_forward", missing, sizeof missing);
  lib.op_output = (op_output_fn)sym(h, "fmc_net_op_output", missing, sizeof missing);
  lib.device_bytes = (bytes_fn)sym(h, "fmc_net_device_bytes", missing, sizeof missing);
  lib.destroy = (destroy_fn)sym(h, "fmc_net_destroy", missing, sizeof missing);
  if (*missing) {
    char msg[160];
    snprintf(msg, sizeof msg, "the library lacks %s", missing);
    memset(&lib, 0, sizeof lib);
    dlclose(h);
    napi_throw_error(env, "FMC_LOAD", msg);
    return NULL;
  }
  lib.handle = h;
  lib.abi_version = abi;
  snprintf(lib.path, sizeof lib.path, "%s", path);
  return loaded_info(env, version);
}

static napi_value js_probe(napi_env env, napi_callback_info info) {
  (void)info;
  if (!require_loaded(env)) return NULL;
  char desc[256] = "";
  int st = lib.probe(desc, sizeof desc);
  napi_value r;
  CALL(env, napi_create_object(env, &r));
  CALL(env, napi_set_named_property(env, r, "status", make_int(env, st)));
  CALL(env, napi_set_named_property(env, r, "name", make_str(env, lib.status_name(st))));
  CALL(env, napi_set_named_property(env, r, "message", make_str(env, st == FMC_OK ? desc : lib.last_error())));
  return r;
}

/* The data of a typed array argument of the expected type. */
static bool typed_arg(napi_env env, napi_value v, napi_typedarray_type want, const char *what, void **data, size_t *len) {
  bool is = false;
  napi_typedarray_type type;
  napi_value buf;
  size_t off;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, len, data, &buf, &off) != napi_ok || type != want) {
    char msg[96];
    snprintf(msg, sizeof msg, "%s has the wrong type", what);
    napi_throw_type_error(env, "FMC_ERR_BAD_INPUT", msg);
    return false;
  }
  return true;
}

static void finalize_net(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  net_box *box = (net_box *)data;
  if (box->net && lib.destroy) lib.destroy(box->net);
  free(box);
}

static net_box *net_arg(napi_env env, napi_value v) {
  void *p = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, &p) != napi_ok) {
    napi_throw_type_error(env, "FMC_ERR_BAD_INPUT", "not a net");
    return NULL;
  }
  net_box *box = (net_box *)p;
  if (!box->net) {
    napi_throw_error(env, "FMC_ERR_BAD_INPUT", "the net was destroyed");
    return NULL;
  }
  return box;
}

static napi_value js_create(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!require_loaded(env)) return NULL;
  void *program, *weights;
  size_t program_len, weights_len;
  int32_t max_batch = 0;
  if (argc < 3 || !typed_arg(env, argv[0], napi_int32_array, "program", &program, &program_len) ||
      !typed_arg(env, argv[1], napi_float32_array, "weights", &weights, &weights_len))
    return NULL;
  CALL(env, napi_get_value_int32(env, argv[2], &max_batch));
  fmc_net *net = NULL;
  int st = lib.create((const int32_t *)program, (int64_t)program_len, (const float *)weights, (int64_t)weights_len, max_batch,
                      FMC_PRECISION_FP32, &net);
  if (st != FMC_OK) return throw_status(env, st);
  net_box *box = (net_box *)malloc(sizeof(net_box));
  if (!box) {
    lib.destroy(net);
    napi_throw_error(env, "FMC_ERR_OUT_OF_MEMORY", "out of host memory");
    return NULL;
  }
  box->net = net;
  napi_value r;
  if (napi_create_external(env, box, finalize_net, NULL, &r) != napi_ok) {
    lib.destroy(net);
    free(box);
    napi_throw_error(env, "FMC_NAPI", "napi_create_external failed");
    return NULL;
  }
  return r;
}

/* forward(net, chips, n, out) and opOutput(net, chips, n, op, out): op < 0 runs the whole net. */
static napi_value run_net(napi_env env, napi_callback_info info, bool with_op) {
  size_t argc = 5;
  napi_value argv[5];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!require_loaded(env)) return NULL;
  size_t want = with_op ? 5 : 4;
  if (argc < want) {
    napi_throw_type_error(env, "FMC_ERR_BAD_INPUT", with_op ? "opOutput(net, chips, n, op, out)" : "forward(net, chips, n, out)");
    return NULL;
  }
  net_box *box = net_arg(env, argv[0]);
  if (!box) return NULL;
  void *chips, *out;
  size_t chips_len, out_len;
  int32_t n = 0, op = -1;
  if (!typed_arg(env, argv[1], napi_uint8_array, "chips", &chips, &chips_len) ||
      !typed_arg(env, argv[want - 1], napi_float32_array, "out", &out, &out_len))
    return NULL;
  CALL(env, napi_get_value_int32(env, argv[2], &n));
  if (with_op) CALL(env, napi_get_value_int32(env, argv[3], &op));
  int st = with_op ? lib.op_output(box->net, (const uint8_t *)chips, (int64_t)chips_len, n, op, (float *)out, (int64_t)out_len)
                   : lib.forward(box->net, (const uint8_t *)chips, (int64_t)chips_len, n, (float *)out, (int64_t)out_len);
  if (st != FMC_OK) return throw_status(env, st);
  return NULL;
}

static napi_value js_forward(napi_env env, napi_callback_info info) { return run_net(env, info, false); }
static napi_value js_op_output(napi_env env, napi_callback_info info) { return run_net(env, info, true); }

static napi_value js_device_bytes(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!require_loaded(env) || argc < 1) return NULL;
  net_box *box = net_arg(env, argv[0]);
  if (!box) return NULL;
  return make_int(env, lib.device_bytes(box->net));
}

static napi_value js_destroy(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (!require_loaded(env) || argc < 1) return NULL;
  void *p = NULL;
  if (napi_get_value_external(env, argv[0], &p) != napi_ok) {
    napi_throw_type_error(env, "FMC_ERR_BAD_INPUT", "not a net");
    return NULL;
  }
  net_box *box = (net_box *)p;
  if (box->net) lib.destroy(box->net);
  box->net = NULL;
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"load", NULL, js_load, NULL, NULL, NULL, napi_enumerable, NULL},
      {"probe", NULL, js_probe, NULL, NULL, NULL, napi_enumerable, NULL},
      {"create", NULL, js_create, NULL, NULL, NULL, napi_enumerable, NULL},
      {"forward", NULL, js_forward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"opOutput", NULL, js_op_output, NULL, NULL, NULL, napi_enumerable, NULL},
      {"deviceBytes", NULL, js_device_bytes, NULL, NULL, NULL, napi_enumerable, NULL},
      {"destroy", NULL, js_destroy, NULL, NULL, NULL, napi_enumerable, NULL},
      {"abiVersion", NULL, NULL, NULL, NULL, make_int(env, FMC_ABI_VERSION), napi_enumerable, NULL},
  };
  CALL(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
