/* Shared by the C tests (included, not a test itself): one line per call, `what` padded to
 * RESULT_WIDTH (each test defines it), then the value, or -1 and errno's name. With
 * RESULT_OK defined, a success prints "ok" instead of the value. */
#include <stdio.h>

#include "errno_name.h"

static void result(const char *what, long value) {
    if (value < 0) {
        printf("%-*s -1 %s\n", RESULT_WIDTH, what, errno_name(errno));
    } else {
#ifdef RESULT_OK
        printf("%-*s ok\n", RESULT_WIDTH, what);
#else
        printf("%-*s %ld\n", RESULT_WIDTH, what, value);
#endif
    }
}
