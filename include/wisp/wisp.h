/* Wisp public C API: load an ONNX or .wisp model, prepare a session, run it.
 *
 * Every function returns a wisp_status; on failure wisp_last_error() returns the
 * message for the calling thread (valid until the thread's next failing call).
 * Thread safety is the C++ API's: a wisp_model may be shared by threads, a wisp_session
 * is for one thread at a time (concurrent use returns WISP_ERROR_BUSY). */
#ifndef WISP_WISP_H_
#define WISP_WISP_H_
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  WISP_OK = 0,
  WISP_ERROR_INVALID_ARGUMENT = 1,
  WISP_ERROR_INVALID_MODEL = 2,
  WISP_ERROR_UNSUPPORTED = 3,
  WISP_ERROR_OUT_OF_RANGE = 4,
  WISP_ERROR_IO = 5,
  WISP_ERROR_RESOURCE_EXHAUSTED = 6,
  WISP_ERROR_INTERNAL = 7,
  WISP_ERROR_BUSY = 8
} wisp_status;

/* Element types; same values as wisp::ElementType. */
typedef enum {
  WISP_UNDEFINED = 0, WISP_FLOAT32, WISP_FLOAT64, WISP_FLOAT16, WISP_BFLOAT16, WISP_INT8, WISP_UINT8,
  WISP_INT16, WISP_UINT16, WISP_INT32, WISP_UINT32, WISP_INT64, WISP_UINT64, WISP_BOOL
} wisp_type;

#define WISP_MAX_RANK 8

typedef struct {
  const char* name;   /* input name (ignored for outputs) */
  wisp_type type;
  int rank;
  int64_t shape[WISP_MAX_RANK];
  void* data;         /* caller-owned */
  size_t bytes;       /* size of the buffer at data */
} wisp_tensor;

typedef struct wisp_model wisp_model;
typedef struct wisp_session wisp_session;

const char* wisp_last_error(void);

/* Loads an ONNX or .wisp model file (the format is recognised by content, not by name). */
wisp_status wisp_model_load(const char* path, wisp_model** out);
/* The same from memory (ONNX or .wisp); the buffer may be freed as soon as this returns. */
wisp_status wisp_model_load_from_memory(const void* data, size_t size, wisp_model** out);
void wisp_model_free(wisp_model* model);
size_t wisp_model_num_inputs(const wisp_model* model);
size_t wisp_model_num_outputs(const wisp_model* model);
/* Fills name/type/rank/shape (-1 for symbolic dims) of input/output i; data is NULL. */
wisp_status wisp_model_input(const wisp_model* model, size_t i, wisp_tensor* info);
wisp_status wisp_model_output(const wisp_model* model, size_t i, wisp_tensor* info);

wisp_status wisp_session_create(const wisp_model* model, wisp_session** out);
void wisp_session_free(wisp_session* session);
/* Size of a symbolic dimension ("batch"), before prepare. */
wisp_status wisp_session_set_dim(wisp_session* session, const char* name, int64_t value);
/* Plans for the shapes of `inputs` (data may be NULL). */
wisp_status wisp_session_prepare(wisp_session* session, const wisp_tensor* inputs, size_t num_inputs);
/* Shape and type of output i for the prepared shapes. */
wisp_status wisp_session_output_info(const wisp_session* session, size_t i, wisp_tensor* info);
/* Runs; outputs[i] must have the prepared type and shape and bytes large enough. */
wisp_status wisp_session_run(wisp_session* session, const wisp_tensor* inputs, size_t num_inputs, wisp_tensor* outputs,
                             size_t num_outputs);
/* Arena bytes planned for the prepared shapes. */
int64_t wisp_session_arena_bytes(const wisp_session* session);

#ifdef __cplusplus
}
#endif
#endif /* WISP_WISP_H_ */
