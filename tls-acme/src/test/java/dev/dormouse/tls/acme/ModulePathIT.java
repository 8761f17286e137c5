package dev.dormouse.tls.acme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.TlsCertificate;
import dev.dormouse.tls.testkit.TestCa;
import dev.dormouse.tls.testkit.TestPebble;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The modules as the distribution runs them: dormouse on the boot module path, the ACME client (this module,
 * acme4j, jose4j, Bouncy Castle) in a directory loaded by AcmeModules. Start-up loads nothing of acme4j,
 * jose4j or Bouncy Castle; the first order loads them in their own layer and works (jose4j as an automatic
 * module, Bouncy Castle's signed modular jars), and JCA never instantiates Bouncy Castle's provider.
 */
class ModulePathIT {
    private static final Pattern BOOT = Pattern.compile(".*/(dormouse-core[^/]*\\.jar|core/target/classes|dormouse-tls-0[^/]*(?<!-tests)\\.jar|tls/target/classes"
            + "|jackson-(core|databind|annotations|dataformat-yaml)[^/]*\\.jar|snakeyaml[^/]*\\.jar|re2j[^/]*\\.jar|slf4j-(api|jdk14)[^/]*\\.jar)");
    private static final Pattern ACME = Pattern.compile(".*/(dormouse-tls-acme-[^/]*(?<!-tests)\\.jar|tls-acme/target/classes"
            + "|acme4j-client[^/]*\\.jar|jose4j[^/]*\\.jar|bc(prov|pkix|util)-jdk18on[^/]*\\.jar)");
    @TempDir Path dir;
    String bootPath;
    Path acmeDir;
    TlsCertificate files;

    @BeforeEach
    void layout() throws Exception {
        List<String> cp = List.of(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")).split(File.pathSeparator));
        List<String> boot = cp.stream().filter(e -> BOOT.matcher(e).matches()).toList();
        acmeDir = Files.createDirectories(dir.resolve("lib-acme"));
        for (String e : cp) {
            if (!ACME.matcher(e).matches()) continue;
            Path p = Path.of(e);
            Files.createSymbolicLink(acmeDir.resolve(Files.isDirectory(p) ? "dormouse-tls-acme" : p.getFileName().toString()), p);
        }
        try (var s = Files.list(acmeDir)) {
            assertEquals(6, s.count(), "tls-acme, acme4j, jose4j and three Bouncy Castle jars from " + cp);
        }
        assertEquals(10, boot.size(), "core, tls, four jackson jars, snakeyaml, re2j, slf4j api and backend: " + boot);
        bootPath = String.join(File.pathSeparator, boot);
        files = TestCa.create().issue("a.example.com").write(dir, "a");
    }

    @Test
    void startUpLoadsNothingOfTheAcmeClient() throws Exception {
        List<String> classes = run("start", List.of());
        assertTrue(classes.contains("dev.dormouse.tls.AcmeWorker"), "the probe ran");
        assertEquals(List.of(), classes.stream().filter(ModulePathIT::acmeClient).toList());
    }

    @Test
    void theFirstOrderLoadsTheClientInItsOwnLayerAndWorks() throws Exception {
        int httpPort = TestPebble.freePort();
        try (TestPebble pebble = TestPebble.start(httpPort, TestPebble.freePort(), Optional.empty(), dir.resolve("pebble"))) {
            List<String> classes = run("issue", List.of(pebble.directory().toString(), pebble.caFile().toString(), Integer.toString(httpPort)));
            assertTrue(classes.contains("org.shredzone.acme4j.Session"));
            assertTrue(classes.stream().anyMatch(c -> c.startsWith("org.jose4j.")), "jose4j signed the requests");
            assertTrue(classes.stream().anyMatch(c -> c.startsWith("org.bouncycastle.pkcs.")), "Bouncy Castle built the CSR");
            assertFalse(classes.contains("org.bouncycastle.jce.provider.BouncyCastleProvider"), "JCA never met Bouncy Castle's provider");
        }
    }

    private static boolean acmeClient(String c) {
        return c.startsWith("org.shredzone.") || c.startsWith("org.bouncycastle.") || c.startsWith("org.jose4j.") || c.startsWith("dev.dormouse.tls.acme.Acme");
    }

    private List<String> run(String mode, List<String> extra) throws Exception {
        Path log = dir.resolve(mode + ".log");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xshare:auto",
                "-Xlog:class+load=info:file=" + log, "--module-path", bootPath, "--add-modules", "dev.dormouse.tls,org.slf4j,jdk.httpserver",
                "-cp", Path.of(ModulePathProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString(), ModulePathProbe.class.getName(),
                mode, files.certFile().toString(), files.keyFile().toString(), dir.resolve("data").toString(), acmeDir.toString()));
        cmd.addAll(extra);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        System.out.println("ModulePathIT " + mode + ":\n" + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("handshake CN=a.example.com TLSv1.3"), out);
        if (mode.equals("issue")) {
            assertTrue(out.contains("handshake CN=app.test TLSv1.3"), out);
        }
        List<String> classes = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            int at = line.indexOf("] ");
            if (at < 0) continue;
            String rest = line.substring(at + 2);
            int sp = rest.indexOf(' ');
            classes.add(sp < 0 ? rest : rest.substring(0, sp));
        }
        return classes;
    }
}
