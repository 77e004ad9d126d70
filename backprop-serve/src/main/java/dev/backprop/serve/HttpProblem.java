package dev.backprop.serve;

/** A request the server answers with a 4xx or 5xx status and a message saying what was expected. */
final class HttpProblem extends RuntimeException {
    private final int status;
    private final int retryAfterSeconds;

    HttpProblem(int status, String message) {
        this(status, message, 0);
    }

    private HttpProblem(int status, String message, int retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: the request was understood as HTTP but its content is wrong. */
    static HttpProblem badRequest(String message) {
        return new HttpProblem(400, message);
    }

    /** 503 with {@code Retry-After}: the model's queue is full or the server is stopping. */
    static HttpProblem unavailable(String message, int retryAfterSeconds) {
        return new HttpProblem(503, message, retryAfterSeconds);
    }

    int status() {
        return status;
    }

    /** Seconds for the {@code Retry-After} header, 0 for none. */
    int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
