package dev.dormouse.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The one logging backend: java.util.logging with a one-line format. System.Logger, jboss-logging
 * (Undertow, XNIO) and SLF4J (docker-java, through slf4j-jdk14) all end up here.
 */
final class LogSetup {
    /** Held so the configured levels are not garbage-collected with their loggers. */
    private static final Logger[] QUIET = {Logger.getLogger("io.undertow"), Logger.getLogger("org.xnio"),
        Logger.getLogger("org.jboss"), Logger.getLogger("com.github.dockerjava"), Logger.getLogger("org.apache.hc")};

    private LogSetup() {}

    static void install(String level) {
        Level l = switch (level.toLowerCase(Locale.ROOT)) {
            case "error" -> Level.SEVERE;
            case "warn", "warning" -> Level.WARNING;
            case "debug" -> Level.FINE;
            case "trace" -> Level.FINEST;
            case "info" -> Level.INFO;
            default -> throw new IllegalArgumentException("--log-level must be error, warn, info or debug, got '" + level + "'");
        };
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) root.removeHandler(h);
        ConsoleHandler h = new ConsoleHandler();
        h.setLevel(Level.ALL);
        h.setFormatter(new OneLine());
        root.addHandler(h);
        root.setLevel(l);
        for (Logger q : QUIET) q.setLevel(l.intValue() < Level.INFO.intValue() ? l : Level.WARNING);
    }

    /** {@code 2026-11-23T04:05:06.123Z INFO  dev.dormouse.proxy: message}. */
    static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord r) {
            StringBuilder b = new StringBuilder(160);
            b.append(Instant.ofEpochMilli(r.getMillis())).append(' ');
            String lvl = switch (r.getLevel().intValue()) {
                case 1000 -> "ERROR";
                case 900 -> "WARN ";
                case 800 -> "INFO ";
                default -> "DEBUG";
            };
            b.append(lvl).append(' ').append(r.getLoggerName()).append(": ").append(formatMessage(r)).append('\n');
            if (r.getThrown() != null) {
                StringWriter sw = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(sw));
                b.append(sw);
            }
            return b.toString();
        }
    }
}
