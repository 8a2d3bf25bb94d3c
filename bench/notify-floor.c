/* The floor under pickup latency: how long PostgreSQL's LISTEN/NOTIFY takes from one session's committed
 * NOTIFY to another session holding it, on the same server, measured COUNT times ROUNDS_APART ms apart.
 * The listener then commits a one-row write, as the daemon commits its decision, so the floor covers a
 * notification in and a commit out. Prints one latency in milliseconds per line.
 *
 *   notify-floor CONNINFO COUNT SPACING_MS
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static PGconn *connect_or_die(const char *conninfo) {
    PGconn *connection = PQconnectdb(conninfo);
    if (PQstatus(connection) != CONNECTION_OK) {
        fprintf(stderr, "notify-floor: %s", PQerrorMessage(connection));
        exit(1);
    }
    return connection;
}

static void run_or_die(PGconn *connection, const char *sql) {
    PGresult *result = PQexec(connection, sql);
    ExecStatusType status = PQresultStatus(result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        fprintf(stderr, "notify-floor: %s", PQerrorMessage(connection));
        exit(1);
    }
    PQclear(result);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: notify-floor CONNINFO COUNT SPACING_MS\n");
        return 2;
    }
    int count = atoi(argv[2]);
    int spacing = atoi(argv[3]);
    PGconn *listener = connect_or_die(argv[1]);
    PGconn *sender = connect_or_die(argv[1]);
    run_or_die(listener, "CREATE TABLE IF NOT EXISTS bench_floor_marks (n integer)");
    run_or_die(listener, "LISTEN kyc_bench_floor");
    int socket = PQsocket(listener);
    for (int i = 0; i < count; i++) {
        double start = now_ms();
        run_or_die(sender, "NOTIFY kyc_bench_floor");
        PGnotify *notification = NULL;
        while (notification == NULL) {
            fd_set readable;
            FD_ZERO(&readable);
            FD_SET(socket, &readable);
            if (select(socket + 1, &readable, NULL, NULL, NULL) < 0) return 1;
            PQconsumeInput(listener);
            notification = PQnotifies(listener);
        }
        PQfreemem(notification);
        run_or_die(listener, "INSERT INTO bench_floor_marks VALUES (1)");
        printf("%.3f\n", now_ms() - start);
        double left = spacing - (now_ms() - start);
        if (left > 0) usleep((useconds_t)(left * 1000));
    }
    PQfinish(sender);
    PQfinish(listener);
    return 0;
}
