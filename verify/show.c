#include "show.h"

#include <stdio.h>

int cvm_show_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "cvm-verify show: not implemented yet\n");
    return 3;
}
