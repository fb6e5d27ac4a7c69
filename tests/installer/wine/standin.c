/* A stand-in for the PyInstaller-built StoreSight programs (which cannot be built on Linux): it
   records how the installer runs it (program name and arguments) and exits 0. */
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    const char *log = getenv("STORESIGHT_STANDIN_LOG");
    FILE *f = fopen(log ? log : "C:\\standin.log", "a");
    if (!f) return 3;
    fputs(argv[0], f);
    for (int i = 1; i < argc; i++) { fputc(' ', f); fputs(argv[i], f); }
    fputc('\n', f);
    fclose(f);
    return 0;
}
