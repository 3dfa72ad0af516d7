/* devops.c — the public small device ops (tensor/devops.h), each forwarding to the selected backend. */
#include "tensor/devops.h"

#include "tensor/backend.h"

#define FS__DEVOPS_DISPATCH(name, params, args) \
    void fs_##name params { fs_backend_get()->name args; }
FS_BACKEND_DEVOPS(FS__DEVOPS_DISPATCH)
