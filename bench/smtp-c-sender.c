/* The reference for mail throughput: plain C, libcurl, one easy handle reused for every message, the
 * same kind of message the mailer sends (multipart/alternative, about 2 KB). Prints messages per second.
 *
 *   smtp-c-sender smtp://127.0.0.1:PORT COUNT
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct upload { const char *data; size_t length, offset; };

static size_t read_callback(char *buffer, size_t size, size_t count, void *context) {
    struct upload *upload = context;
    size_t room = size * count, left = upload->length - upload->offset;
    size_t n = left < room ? left : room;
    memcpy(buffer, upload->data + upload->offset, n);
    upload->offset += n;
    return n;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s URL COUNT\n", argv[0]); return 64; }
    long count = atol(argv[2]);
    static char message[4096];
    char body[1500];
    memset(body, 0, sizeof body);
    for (int i = 0; i < 12; i++) strcat(body, "We could not verify your identity: your document has expired. You may try again.\r\n");
    snprintf(message, sizeof message,
             "From: \"KYC Review\" <kyc@exchange.example>\r\nTo: <bench@example.com>\r\nSubject: We could not verify your identity\r\n"
             "Message-ID: <bench@kyc-review>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n"
             "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>%s</p>\r\n--b--\r\n",
             body, body);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *handle = curl_easy_init();
    struct curl_slist *recipients = curl_slist_append(NULL, "<bench@example.com>");
    curl_easy_setopt(handle, CURLOPT_URL, argv[1]);
    curl_easy_setopt(handle, CURLOPT_MAIL_FROM, "<kyc@exchange.example>");
    curl_easy_setopt(handle, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(handle, CURLOPT_READFUNCTION, read_callback);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < count; i++) {
        struct upload upload = { message, strlen(message), 0 };
        curl_easy_setopt(handle, CURLOPT_READDATA, &upload);
        curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, (curl_off_t)upload.length);
        CURLcode code = curl_easy_perform(handle);
        if (code != CURLE_OK) { fprintf(stderr, "send %ld failed: %s\n", i, curl_easy_strerror(code)); return 1; }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    printf("%.1f\n", count / seconds);
    curl_slist_free_all(recipients);
    curl_easy_cleanup(handle);
    curl_global_cleanup();
    return 0;
}
