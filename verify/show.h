/* `cvm-verify show FILE...`: detect, decode and print any supported
 * evidence file for a person (or as JSON). Owned by the lead. */
#ifndef CVM_SHOW_H
#define CVM_SHOW_H

/* argv[0] is "show". Returns the process exit code (0 all decoded,
 * 2 some file malformed, 3 usage or I/O error). */
int cvm_show_main(int argc, char **argv);

#endif
