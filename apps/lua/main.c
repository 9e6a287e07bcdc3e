/* lua: runs Lua 5.4 scripts (the interpreter from the crates.io package lua-src; this
 * driver is uxrt's own, a small subset of Lua's standalone `lua`).
 *
 *   lua SCRIPT [ARGS...]   run SCRIPT with `arg` set as the standalone interpreter does
 *   lua -e CODE            run CODE
 *
 * Exit status 0 when the chunk ran to the end, 1 with the error and a traceback on
 * standard error otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"

/* Adds a traceback to an error message (as the standalone interpreter's msghandler). */
static int traceback(lua_State *L) {
    const char *message = lua_tostring(L, 1);
    if (message == NULL) message = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, message, 1);
    return 1;
}

/* Runs the chunk on the stack's top with `nargs` arguments under the traceback handler. */
static int run(lua_State *L, int status, int nargs) {
    if (status == LUA_OK) {
        int base = lua_gettop(L) - nargs;
        lua_pushcfunction(L, traceback);
        lua_insert(L, base);
        status = lua_pcall(L, nargs, 0, base);
        lua_remove(L, base);
    }
    if (status != LUA_OK) {
        fprintf(stderr, "lua: %s\n", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    return status;
}

int main(int argc, char **argv) {
    if (argc < 2 || (strcmp(argv[1], "-e") == 0 && argc != 3)) {
        fprintf(stderr, "usage: lua SCRIPT [ARGS...] | lua -e CODE\n");
        return 2;
    }
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        fprintf(stderr, "lua: cannot create a state: not enough memory\n");
        return 1;
    }
    luaL_openlibs(L);
    int status;
    if (strcmp(argv[1], "-e") == 0) {
        status = run(L, luaL_loadstring(L, argv[2]), 0);
    } else {
        /* arg[0] is the script, arg[1..] its arguments, arg[-1] the interpreter. */
        lua_createtable(L, argc - 2, 2);
        for (int i = 0; i < argc; i++) {
            lua_pushstring(L, argv[i]);
            lua_rawseti(L, -2, i - 1);
        }
        lua_setglobal(L, "arg");
        status = luaL_loadfile(L, argv[1]);
        for (int i = 2; i < argc; i++) lua_pushstring(L, argv[i]);
        status = run(L, status, status == LUA_OK ? argc - 2 : 0);
    }
    lua_close(L);
    return status == LUA_OK ? 0 : 1;
}
