package dev.dormouse.admin;

import dev.dormouse.core.DormouseException;

/** The admin API cannot do what it was asked, e.g. its token file is unreadable or its address is taken. */
public class AdminException extends DormouseException {
    public AdminException(String message, Throwable cause) {
        super(message, cause);
    }

    public AdminException(String message) {
        super(message);
    }
}
