/* sqlite: a database in a file, end to end, with SQLite (the amalgamation the crates.io
 * package libsqlite3-sys bundles; this program is uxrt's own). `sqlite DBFILE` creates
 * the database afresh, fills it with 10,000 rows in a transaction, queries, updates,
 * deletes, rolls a transaction back through its journal, checks its integrity, closes
 * it, and reopens it to see that the data was kept. Every result goes to standard
 * output, the same wherever the program runs. Exit status 1 on the first SQLite error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sqlite3.h"

static sqlite3 *db;

static void fail(const char *what) {
    printf("error: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static void exec(const char *sql) {
    char *message = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
        printf("error: %s: %s\n", sql, message);
        exit(1);
    }
}

/* Runs a query and prints each row, columns separated by " | ". */
static void query(const char *sql) {
    sqlite3_stmt *statement;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK) fail(sql);
    printf("%s\n", sql);
    int status;
    while ((status = sqlite3_step(statement)) == SQLITE_ROW) {
        printf("  ");
        for (int i = 0; i < sqlite3_column_count(statement); i++) {
            const unsigned char *text = sqlite3_column_text(statement, i);
            printf("%s%s", i ? " | " : "", text ? (const char *)text : "NULL");
        }
        printf("\n");
    }
    if (status != SQLITE_DONE) fail(sql);
    sqlite3_finalize(statement);
}

static void open_database(const char *path) {
    /* unix-none: SQLite's Unix files without POSIX advisory locks (uxrt has none yet;
     * one process uses the database). */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &db, flags, "unix-none") != SQLITE_OK) fail("open");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: sqlite DBFILE\n");
        return 2;
    }
    const char *path = argv[1];
    char journal[512];
    snprintf(journal, sizeof journal, "%s-journal", path);
    unlink(path);
    unlink(journal);
    printf("SQLite %s\n", sqlite3_libversion());

    open_database(path);
    exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind INTEGER, price REAL)");
    exec("CREATE INDEX items_kind ON items (kind)");
    sqlite3_stmt *insert;
    if (sqlite3_prepare_v2(db, "INSERT INTO items (name, kind, price) VALUES (?, ?, ?)", -1, &insert, NULL) !=
        SQLITE_OK)
        fail("prepare insert");
    exec("BEGIN");
    for (int i = 1; i <= 10000; i++) {
        char name[32];
        snprintf(name, sizeof name, "item-%05d", i);
        sqlite3_bind_text(insert, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(insert, 2, i % 7);
        sqlite3_bind_double(insert, 3, (i % 100) * 1.25);
        if (sqlite3_step(insert) != SQLITE_DONE) fail("insert");
        sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    exec("COMMIT");

    query("SELECT count(*), sum(kind), printf('%.2f', avg(price)) FROM items");
    query("SELECT kind, count(*), printf('%.2f', sum(price)) FROM items GROUP BY kind ORDER BY kind");
    query("SELECT id, name FROM items WHERE name LIKE '%777%' ORDER BY id");
    exec("UPDATE items SET price = price * 2 WHERE kind = 3");
    exec("DELETE FROM items WHERE id % 10 = 0");
    query("SELECT count(*), printf('%.2f', sum(price)) FROM items");

    /* A transaction rolled back: the journal puts the pages back. */
    exec("BEGIN");
    exec("DELETE FROM items");
    query("SELECT count(*) FROM items");
    exec("ROLLBACK");
    query("SELECT count(*) FROM items");
    query("PRAGMA integrity_check");
    if (sqlite3_close(db) != SQLITE_OK) fail("close");

    /* The file keeps it all. */
    open_database(path);
    query("SELECT count(*), max(id), min(name) FROM items");
    query("SELECT name, price FROM items WHERE id IN (1, 2, 3, 9999) ORDER BY id");
    query("PRAGMA integrity_check");
    if (sqlite3_close(db) != SQLITE_OK) fail("close");
    printf("journal left behind: %s\n", access(journal, F_OK) == 0 ? "yes" : "no");
    unlink(path);
    return 0;
}
