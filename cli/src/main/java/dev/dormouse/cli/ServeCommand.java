package dev.dormouse.cli;

import dev.dormouse.core.DormouseConfig;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

@Command(name = "serve", description = "Run the proxy: serve the configured routes, put idle containers to sleep, wake them on demand.")
final class ServeCommand implements Callable<Integer> {
    @CommandLine.Mixin
    ConfigOption config;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "${env:DORMOUSE_LOG_LEVEL:-info}",
            description = "error, warn, info or debug (default: ${DEFAULT-VALUE}; env DORMOUSE_LOG_LEVEL).")
    String logLevel;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        LogSetup.install(logLevel);
        Optional<DormouseConfig> cfg = config.load(spec.commandLine().getErr());
        if (cfg.isEmpty()) return 1;
        Daemon daemon = new Daemon(cfg.get());
        daemon.start();
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM and SIGINT end the daemon cleanly with exit code 0 (a shutdown hook alone would exit 143).
        sun.misc.SignalHandler stop = sig -> Thread.ofPlatform().name("dormouse-shutdown").start(() -> {
            System.getLogger("dev.dormouse.cli").log(System.Logger.Level.INFO, "SIG{0}: finishing open requests, then stopping", sig.getName());
            daemon.close();
            stopped.countDown();
        });
        Signal.handle(new Signal("TERM"), stop);
        Signal.handle(new Signal("INT"), stop);
        // SIGHUP reloads the config file (systemd's ExecReload); a bad file keeps the running config.
        Signal.handle(new Signal("HUP"), sig -> Thread.ofVirtual().name("dormouse-reload").start(() -> daemon.reload("SIGHUP")));
        stopped.await();
        return 0;
    }
}
