package dev.dormouse.cli;

import java.util.Objects;

/**
 * One line of {@code dormouse doctor}: what was checked, how it went, and what was found (never a secret).
 *
 * @param check what was checked, e.g. {@code docker local engine} or {@code route whoami}
 * @param detail what was found, and for a problem what to do about it
 */
record DoctorCheck(String check, Status status, String detail) {
    enum Status {
        OK("ok"), WARNING("warning"), PROBLEM("problem");

        final String label;

        Status(String label) {
            this.label = label;
        }
    }

    DoctorCheck {
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
    }

    static DoctorCheck ok(String check, String detail) {
        return new DoctorCheck(check, Status.OK, detail);
    }

    static DoctorCheck warning(String check, String detail) {
        return new DoctorCheck(check, Status.WARNING, detail);
    }

    static DoctorCheck problem(String check, String detail) {
        return new DoctorCheck(check, Status.PROBLEM, detail);
    }
}
