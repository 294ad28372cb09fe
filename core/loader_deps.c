/* SPDX-License-Identifier: MIT */
/* loader_deps.c: a module's private libraries, found as the dynamic linker
 * would find them, checked as the module is, and loaded through their checked
 * descriptors before the module, so that nothing unchecked is mapped. */
#include "autoconf.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/*
 * Why: the dynamic linker maps a module's DT_NEEDED libraries, and runs their
 * constructors, during dlopen(), from wherever its search path finds them.
 * Checking a library after that is too late.  So each library the module
 * needs is looked up first, in the linker's order for a dlopen()ed object
 * (its DT_RPATH when it has no DT_RUNPATH, then the program's DT_RPATH,
 * LD_LIBRARY_PATH unless the process is privileged, then its DT_RUNPATH),
 * checked (owner and mode, every directory from /), and loaded through
 * /proc/self/fd/N, as modules are.  The module's DT_NEEDED then resolves to
 * it by its DT_SONAME.  Its own libraries are treated the same way first,
 * with $ORIGIN their directory.  What none of these directories holds comes
 * from the system's cache and default directories: the system's, not ours.
 *
 * A library loaded so stays loaded, with its descriptor open, for the life
 * of the process: the dynamic linker knows it by the name it was opened
 * with, /proc/self/fd/N, and that number must never name another file while
 * it does (the loader keeps module descriptors open for the same reason).
 */

#define DEPS_MAX_DEPTH 8
#define DEPS_MAX_NEEDED 64
#define DEPS_STRTAB_MAX (1u << 20)

typedef struct elf_deps {
    char *strtab;
    size_t strsz;
    size_t needed[DEPS_MAX_NEEDED]; /* offsets into strtab */
    size_t nneeded;
    long rpath, runpath; /* offsets, -1 when absent */
} elf_deps;

static int read_at(int fd, void *buf, size_t len, off_t off)
{
    char *p = buf;

    while (len > 0) {
        ssize_t n = pread(fd, p, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
        off += n;
    }
    return 0;
}

/* The file offset of a virtual address, through the PT_LOAD segments. */
static long vaddr_offset(const ElfW(Phdr) * ph, size_t n, ElfW(Addr) a)
{
    for (size_t i = 0; i < n; i++)
        if (ph[i].p_type == PT_LOAD && a >= ph[i].p_vaddr &&
            a - ph[i].p_vaddr < ph[i].p_filesz)
            return (long)(ph[i].p_offset + (a - ph[i].p_vaddr));
    return -1;
}

/*
 * The DT_NEEDED names and search paths of the ELF file open in fd.  A file
 * that is not an ELF object of this process's kind has none (dlopen()
 * refuses it anyway).  -1 on a read error or a malformed dynamic section.
 */
static int elf_read_deps(int fd, elf_deps *d)
{
    ElfW(Ehdr) eh;
    ElfW(Phdr) *ph = NULL;
    ElfW(Dyn) *dyn = NULL;
    size_t ndyn = 0;
    ElfW(Addr) strtab = 0;
    long stroff;
    int ret = -1;

    memset(d, 0, sizeof(*d));
    d->rpath = d->runpath = -1;
    if (read_at(fd, &eh, sizeof(eh), 0) != 0 ||
        memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32))
        return 0;
    if (eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_phnum == 0 ||
        eh.e_phnum > 512)
        return -1;
    ph = calloc(eh.e_phnum, sizeof(*ph));
    if (ph == NULL ||
        read_at(fd, ph, eh.e_phnum * sizeof(*ph), (off_t)eh.e_phoff) != 0)
        goto done;
    for (size_t i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_DYNAMIC)
            continue;
        ndyn = ph[i].p_filesz / sizeof(ElfW(Dyn));
        if (ndyn == 0 || ndyn > 4096)
            goto done;
        dyn = calloc(ndyn, sizeof(*dyn));
        if (dyn == NULL ||
            read_at(fd, dyn, ndyn * sizeof(*dyn), (off_t)ph[i].p_offset) != 0)
            goto done;
        break;
    }
    if (dyn == NULL) {
        ret = 0; /* static: needs nothing */
        goto done;
    }
    for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
        switch (dyn[i].d_tag) {
        case DT_STRTAB:
            strtab = dyn[i].d_un.d_ptr;
            break;
        case DT_STRSZ:
            d->strsz = dyn[i].d_un.d_val;
            break;
        case DT_NEEDED:
            if (d->nneeded == DEPS_MAX_NEEDED)
                goto done;
            d->needed[d->nneeded++] = dyn[i].d_un.d_val;
            break;
        case DT_RPATH:
            d->rpath = (long)dyn[i].d_un.d_val;
            break;
        case DT_RUNPATH:
            d->runpath = (long)dyn[i].d_un.d_val;
            break;
        default:
            break;
        }
    }
    if (d->strsz == 0 || d->strsz > DEPS_STRTAB_MAX ||
        (stroff = vaddr_offset(ph, eh.e_phnum, strtab)) < 0)
        goto done;
    d->strtab = malloc(d->strsz + 1);
    if (d->strtab == NULL || read_at(fd, d->strtab, d->strsz, stroff) != 0)
        goto done;
    d->strtab[d->strsz] = '\0';
    for (size_t i = 0; i < d->nneeded; i++)
        if (d->needed[i] >= d->strsz)
            goto done;
    if (d->rpath >= (long)d->strsz || d->runpath >= (long)d->strsz)
        goto done;
    ret = 0;
done:
    free(ph);
    free(dyn);
    if (ret != 0) {
        free(d->strtab);
        d->strtab = NULL;
    }
    return ret;
}

/* ---- the search path ---- */

/* The program's DT_RPATH (when it has no DT_RUNPATH), read once. */
static pthread_once_t program_once = PTHREAD_ONCE_INIT;
static char *program_rpath; /* $ORIGIN expanded; NULL when none */
static char program_origin[PATH_MAX + 1] = "/"; /* the program's directory */

static char *expand_origin(const char *path, const char *origin);

static void read_program_rpath(void)
{
    char exe[PATH_MAX + 1], *slash;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    elf_deps d;

    if (fd < 0)
        return;
    if (n > 0) {
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash != NULL && slash != exe)
            *slash = '\0';
        else if (slash != NULL)
            exe[1] = '\0';
        snprintf(program_origin, sizeof(program_origin), "%s", exe);
    }
    if (n > 0 && elf_read_deps(fd, &d) == 0) {
        if (d.strtab != NULL && d.rpath >= 0 && d.runpath < 0)
            program_rpath = expand_origin(d.strtab + d.rpath, program_origin);
        free(d.strtab);
    }
    close(fd);
}

/*
 * A colon-separated path with $ORIGIN and ${ORIGIN} made origin; an entry
 * with another token ($LIB, $PLATFORM) is dropped (the linker's expansion
 * is not ours to guess: such a library comes from the linker's search).
 */
static char *expand_origin(const char *path, const char *origin)
{
    size_t cap = (strlen(path) + 1) * (strlen(origin) + 2) + 2, o = 0;
    char *out = malloc(cap);
    const char *p = path;

    if (out == NULL)
        return NULL;
    /* Every element, empty ones included ("a::b", "a:"). */
    for (int last = *p == '\0'; !last;) {
        size_t len = strcspn(p, ":"), start = o;
        int drop = 0;

        for (size_t i = 0; i < len; i++) {
            if (p[i] != '$') {
                out[o++] = p[i];
            } else if (strncmp(p + i, "$ORIGIN", 7) == 0 &&
                       (i + 7 == len || p[i + 7] == '/' || p[i + 7] == ':')) {
                memcpy(out + o, origin, strlen(origin));
                o += strlen(origin);
                i += 6;
            } else if (strncmp(p + i, "${ORIGIN}", 9) == 0) {
                memcpy(out + o, origin, strlen(origin));
                o += strlen(origin);
                i += 8;
            } else {
                drop = 1;
            }
        }
        if (drop)
            o = start;
        else if (o == start)
            out[o++] = '.'; /* an empty entry is the current directory */
        if (!drop)
            out[o++] = ':';
        last = p[len] == '\0';
        p += len + !last;
    }
    if (o > 0)
        o--; /* the last ':' */
    out[o] = '\0';
    return out;
}

/* The directories to look in for the libraries of an object, in order. */
static char *search_path(const elf_deps *d, const char *origin)
{
    /* Ignored by the linker in a privileged process, as by us. */
    const char *env = secure_getenv("LD_LIBRARY_PATH");
    char *own_rpath = NULL, *runpath = NULL, *lib = NULL, *out = NULL;

    pthread_once(&program_once, read_program_rpath);
    if (d->runpath < 0 && d->rpath >= 0)
        own_rpath = expand_origin(d->strtab + d->rpath, origin);
    if (d->runpath >= 0)
        runpath = expand_origin(d->strtab + d->runpath, origin);
    if (env != NULL && *env != '\0')
        lib = expand_origin(env, program_origin);
    if (asprintf(&out, "%s:%s:%s:%s", own_rpath ? own_rpath : "",
                 d->runpath < 0 && program_rpath ? program_rpath : "",
                 lib ? lib : "", runpath ? runpath : "") < 0)
        out = NULL;
    free(own_rpath);
    free(runpath);
    free(lib);
    return out;
}

/*
 * The files loaded here (device and inode): one without a soname is not
 * found again by name, and must not be loaded (nor its descriptor kept)
 * once more for every module that needs it.
 */
#define DEPS_KEPT_MAX 64
static struct {
    dev_t dev;
    ino_t ino;
    char *path; /* where it was found (the name the module needs in it) */
} kept[DEPS_KEPT_MAX];
static size_t nkept;

static int kept_already(int fd)
{
    struct stat st;

    if (fstat(fd, &st) != 0)
        return 0;
    for (size_t i = 0; i < nkept; i++)
        if (kept[i].dev == st.st_dev && kept[i].ino == st.st_ino)
            return 1;
    return 0;
}

static void keep(int fd, const char *shown)
{
    struct stat st;

    if (nkept < DEPS_KEPT_MAX && fstat(fd, &st) == 0) {
        kept[nkept].dev = st.st_dev;
        kept[nkept].ino = st.st_ino;
        kept[nkept].path = strdup(shown); /* NULL: only not re-recorded */
        nkept++;
    }
}

/* A library an earlier handle of this process loaded for `name`: this
 * handle depends on its file too. */
static int record_kept(credstack_handle *h, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < nkept; i++) {
        const char *p = kept[i].path;
        size_t len = p ? strlen(p) : 0;

        if (len > n && p[len - n - 1] == '/' && strcmp(p + len - n, name) == 0)
            return cs_input_add(h, p, "library");
    }
    return CREDSTACK_OK;
}

/* ---- resolving and loading ---- */

static int preload_object(credstack_handle *h, int fd, const char *dir,
                          const char *shown, int depth, char *err,
                          size_t errlen);

/* Look name up for an object whose search path is `path`; load it checked. */
static int resolve(credstack_handle *h, const char *name, const char *path,
                   int depth, char *err, size_t errlen)
{
    void *loaded;
    char *copy, *save = NULL;
    int ret = CREDSTACK_OK;

    /* Loaded already (the core, libc, one of ours): the linker's choice. */
    loaded = dlopen(name, RTLD_LAZY | RTLD_NOLOAD);
    if (loaded != NULL) {
        dlclose(loaded);
        return record_kept(h, name);
    }
    if (strchr(name, '/') != NULL)
        return CREDSTACK_OK; /* a path in DT_NEEDED: none of ours do that */
    copy = strdup(path);
    if (copy == NULL)
        return CREDSTACK_ERR_NOMEM;
    for (char *dir = strtok_r(copy, ":", &save); dir != NULL;
         dir = strtok_r(NULL, ":", &save)) {
        char *file = NULL, shown[PATH_MAX + 256];
        struct stat st;
        int fd = -1;

        if (asprintf(&file, "%s/%s", dir, name) < 0) {
            ret = CREDSTACK_ERR_NOMEM;
            break;
        }
        /* Where the linker would not find it, it does not look further. */
        if (stat(file, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(file);
            continue;
        }
        snprintf(shown, sizeof(shown), "%s", file);
        free(file);
        ret = cs_open_checked(dir, name, CS_OPEN_FOLLOW, &fd, err, errlen);
        if (ret != CREDSTACK_OK) {
            char why[CS_ERRLEN];

            snprintf(why, sizeof(why), "%s", err);
            snprintf(err, errlen, "library %s: %s", shown, why);
            ret = ret == CREDSTACK_ERR_NOMEM ? ret : CREDSTACK_ERR_MODULE;
            break;
        }
        /* What the handle's answers depend on (the agent re-checks it),
         * whether this process loaded it now or for an earlier handle. */
        ret = cs_input_add(h, shown, "library");
        if (ret == CREDSTACK_OK)
            ret = preload_object(h, fd, dir, shown, depth + 1, err, errlen);
        else
            close(fd);
        break;
    }
    free(copy);
    return ret;
}

/* Load the checked object in fd, after its own private libraries. */
static int preload_object(credstack_handle *h, int fd, const char *dir,
                          const char *shown, int depth, char *err,
                          size_t errlen)
{
    elf_deps d;
    char load_path[64], *path;
    void *handle;
    int ret = CREDSTACK_OK;

    if (kept_already(fd)) {
        close(fd);
        return CREDSTACK_OK;
    }
    if (depth > DEPS_MAX_DEPTH) {
        snprintf(err, errlen, "library %s: libraries nested too deeply", shown);
        close(fd);
        return CREDSTACK_ERR_MODULE;
    }
    if (elf_read_deps(fd, &d) != 0) {
        snprintf(err, errlen,
                 "library %s: not a shared object this process "
                 "can load (its dynamic section does not parse)",
                 shown);
        close(fd);
        return CREDSTACK_ERR_MODULE;
    }
    path = d.strtab != NULL ? search_path(&d, dir) : NULL;
    for (size_t i = 0; path != NULL && i < d.nneeded && ret == CREDSTACK_OK;
         i++)
        ret = resolve(h, d.strtab + d.needed[i], path, depth, err, errlen);
    free(path);
    free(d.strtab);
    if (ret != CREDSTACK_OK) {
        close(fd);
        return ret;
    }
    snprintf(load_path, sizeof(load_path), "/proc/self/fd/%d", fd);
    handle = dlopen(load_path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *why = dlerror();

        snprintf(err, errlen, "library %s: cannot load it: %s", shown,
                 why ? why : "unknown error");
        close(fd);
        return CREDSTACK_ERR_MODULE;
    }
    /* Never closed, nor its descriptor: kept for the life of the process
     * (see above).  The linker's own lists keep the handle reachable. */
    keep(fd, shown);
    return CREDSTACK_OK;
}

int cs_deps_preload(credstack_handle *h, int fd, const char *module_dir,
                    char *err, size_t errlen)
{
    elf_deps d;
    char *path;
    int ret = CREDSTACK_OK;

    if (elf_read_deps(fd, &d) != 0) {
        snprintf(err, errlen,
                 "not a shared object this process can load (its "
                 "dynamic section does not parse)");
        return CREDSTACK_ERR_MODULE;
    }
    if (d.strtab == NULL)
        return CREDSTACK_OK;
    path = search_path(&d, module_dir);
    if (path == NULL)
        ret = CREDSTACK_ERR_NOMEM;
    for (size_t i = 0; path != NULL && i < d.nneeded && ret == CREDSTACK_OK;
         i++)
        ret = resolve(h, d.strtab + d.needed[i], path, 0, err, errlen);
    free(path);
    free(d.strtab);
    return ret;
}
