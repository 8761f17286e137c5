package dev.dormouse.admin;

/** An admin API request that is answered with an error: its HTTP status and stable code (docs/admin-api.md). */
final class AdminApiException extends AdminException {
    final int status;
    final String code;

    AdminApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }
}
