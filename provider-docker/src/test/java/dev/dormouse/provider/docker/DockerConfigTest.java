package dev.dormouse.provider.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dormouse.core.ConfigException;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.ContainerRef;
import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.ProviderKinds;
import dev.dormouse.core.spi.ProviderConfig;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import dev.dormouse.tls.testkit.TestCa;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code providers.docker} section and Docker container references, as the docker kind reads them. */
class DockerConfigTest {
    private static final ProviderKinds KINDS = ProviderKinds.of(List.of(new DockerProviderFactory(), new SwarmProviderFactory()));

    static DormouseConfig parse(String yaml) {
        return ConfigLoader.parse(new StringReader(yaml), "t.yml", Path.of("/etc/dormouse"), Path.of("/etc/dormouse/t.yml"), KINDS);
    }

    static List<String> problems(String yaml) {
        try {
            parse(yaml);
            return List.of();
        } catch (ConfigException e) {
            return e.problems().stream().map(p -> p.toString().substring("t.yml:".length())).toList();
        }
    }

    @Test
    void everyRuleOfTheSection() {
        String[][] cases = {
            // yaml, problem count, the problem: line:column: path: message
            {"providers: {docker: [{name: l, host: 'http://x'}]}", "1", "1:38: providers.docker[0].host: must start with unix:// or tcp://, got 'http://x'"},
            {"providers: {docker: [{name: l, host: 'tcp://h'}]}", "1", "1:38: providers.docker[0].host: must be tcp://<host>:<port>, got 'tcp://h'"},
            {"providers: {docker: [{name: l, host: 'ssh://me@far'}]}", "1", "1:38: providers.docker[0].host: ssh:// is not supported (docker-java speaks "
                + "unix:// and tcp:// only): use tcp:// with tls, or forward the engine's socket over SSH and point host at it (unix://...), got 'ssh://me@far'"},
            {"providers: {docker: [{name: l, tls: {ca_file: a, cert_file: b, key_file: c}}]}", "1",
                "1:37: providers.docker[0].tls: is for a tcp:// host; a unix:// socket is not reached over TLS"},
            {"providers: {docker: [{name: l, host: 'tcp://h:2376', tls: {ca_file: a}}]}", "2", "1:59: providers.docker[0].tls.cert_file: required"},
            {"providers: {docker: [{name: l, host: 'tcp://h:2376', tls: {ca_file: a, cert_file: b, key_file: c, verify: false}}]}", "1",
                "1:99: providers.docker[0].tls.verify: unknown key"},
            {"providers: {swarm: [{name: l, host: 'npipe://x'}]}", "1", "1:37: providers.swarm[0].host: must start with unix:// or tcp://, got 'npipe://x'"},
            {"providers: {swarm: [{name: l}]}\nroutes: [{name: x, hosts: [x.t], container: 'swarm:l/a/b'}]", "1",
                "2:45: routes[0].container: not a service name: 'a/b' in 'swarm:l/a/b'"},
            {"providers: {swarm: [{name: l}]}\nroutes: [{name: x, hosts: [x.t], container: web}]", "1",
                "2:45: routes[0].container: 'web' names no provider; write docker:<provider>/<name-or-id> (0 docker providers are configured)"},
            {"providers: {docker: [{name: l, host: [x]}]}", "1", "1:38: providers.docker[0].host: must be a string, got a list"},
            {"providers: {docker: [{name: l, labels: 'yes'}]}", "1", "1:40: providers.docker[0].labels: must be true or false, got a string 'yes'"},
            {"providers: {docker: [{host: 'unix:///x'}]}", "1", "1:22: providers.docker[0].name: required"},
            {"providers: {docker: [{name: l, hots: 'tcp://h:2375'}]}", "1", "1:32: providers.docker[0].hots: unknown key (did you mean 'host'?)"},
            {"providers: {docker: [{name: l}, {name: l}]}", "1", "1:40: providers.docker[1].name: duplicate provider name 'l'"},
            {"providers: {docker: [{name: l}]}\nroutes: [{name: x, hosts: [x.t], container: 'docker:l/a/b'}]", "1",
                "2:45: routes[0].container: not a container name: 'a/b' in 'docker:l/a/b'"},
            {"providers: {docker: [{name: l}]}\nroutes: [{name: x, hosts: [x.t], container: 'a/b'}]", "1",
                "2:45: routes[0].container: not a container name: 'a/b' in 'docker:l/a/b'"},
            {"providers: {docker: [{name: a}, {name: b}]}\nroutes: [{name: x, hosts: [x.t], container: web}]", "1",
                "2:45: routes[0].container: 'web' names no provider; write docker:<provider>/<name-or-id> (2 docker providers are configured)"},
            {"routes: [{name: x, hosts: [x.t], container: web}]", "1",
                "1:45: routes[0].container: 'web' names no provider; write docker:<provider>/<name-or-id> (0 docker providers are configured)"},
            {"providers: {docker: [{name: l}]}\nroutes: [{name: x, hosts: [x.t], container: 'docker:l'}]", "1",
                "2:45: routes[0].container: must be docker:<provider>/<name-or-id> or swarm:<provider>/<service>, got 'docker:l'"},
        };
        List<String> failures = new ArrayList<>();
        for (String[] c : cases) {
            List<String> got = problems(c[0] + "\n");
            if (got.size() != Integer.parseInt(c[1]) || !got.contains(c[2])) failures.add(c[0] + "\n  expected " + c[1] + " with " + c[2] + "\n  got " + got);
        }
        assertEquals("", String.join("\n", failures));
    }

    @Test
    void theSectionsValuesAndDefaults() {
        DormouseConfig c = parse("providers:\n  docker:\n    - {name: local}\n    - {name: far, host: 'tcp://10.0.0.2:2375', labels: true}\n"
                + "routes:\n  - {name: a, hosts: [a.t], container: 'docker:far/3f2a'}\n");
        assertEquals(List.of(new DockerProviderConfig("local", "unix:///var/run/docker.sock", false),
                new DockerProviderConfig("far", "tcp://10.0.0.2:2375", true)), c.providers());
        ProviderConfig local = c.providers().get(0);
        assertEquals("docker:local", local.key());
        assertFalse(local.labels());
        assertEquals(Optional.of(Path.of("/var/run/docker.sock")), local.socket());
        assertEquals("unix:///var/run/docker.sock", local.endpoint());
        ProviderConfig far = c.providers().get(1);
        assertTrue(far.labels());
        assertEquals(Optional.empty(), far.socket(), "no socket of this machine to check");
        assertEquals(new ContainerRef("docker", "far", "3f2a"), c.routes().get(0).container().orElseThrow());
    }

    @Test
    void tlsFilesAreCheckedWithoutContactingTheEngine(@TempDir Path dir) {
        TestCa ca = TestCa.create();
        Path caFile = ca.writeCertificate(dir.resolve("ca.pem"));
        TestCa.Leaf client = ca.issue("dormouse");
        client.write(dir.resolve("cert.pem"), dir.resolve("key.pem"), TestCa.KeyFormat.TRADITIONAL);
        TestCa.Leaf other = ca.issue("other");
        other.writeKey(dir.resolve("other-key.pem"), TestCa.KeyFormat.PKCS8);
        String entry = "providers:\n  docker:\n    - name: far\n      host: 'tcp://10.0.0.2:2376'\n      tls: {ca_file: %s, cert_file: %s, key_file: %s}\n";
        DormouseConfig ok = parse(String.format(entry, caFile, dir.resolve("cert.pem"), dir.resolve("key.pem")));
        assertEquals(Optional.of(new DockerTls(caFile, dir.resolve("cert.pem"), dir.resolve("key.pem"))), ((DockerProviderConfig) ok.providers().get(0)).tls());
        DormouseConfig relative = ConfigLoader.parse(new StringReader(String.format(entry, "ca.pem", "cert.pem", "key.pem")), "t.yml", dir, dir.resolve("t.yml"), KINDS);
        assertEquals(dir.resolve("key.pem"), ((DockerProviderConfig) relative.providers().get(0)).tls().orElseThrow().keyFile(),
                "paths are relative to the config file");

        assertEquals(List.of("providers.docker[0].tls.key_file: read " + dir.resolve("other-key.pem") + ": key does not match the certificate in "
                + dir.resolve("cert.pem")), at(problems(String.format(entry, caFile, dir.resolve("cert.pem"), dir.resolve("other-key.pem")))));
        assertEquals(List.of("providers.docker[0].tls.ca_file: read " + dir.resolve("nope.pem") + ": no such file"),
                at(problems(String.format(entry, dir.resolve("nope.pem"), dir.resolve("cert.pem"), dir.resolve("key.pem")))));
        assertEquals(List.of("providers.docker[0].tls.ca_file: read " + dir.resolve("key.pem") + ": no certificate found",
                "providers.docker[0].tls.cert_file: read " + dir.resolve("ca.pem").getParent().resolve("key.pem") + ": no certificate found"),
                at(problems(String.format(entry, dir.resolve("key.pem"), dir.resolve("key.pem"), dir.resolve("key.pem")))));
    }

    /** Problems on line 5 without their column, which depends on the length of the temporary paths. */
    private static List<String> at(List<String> problems) {
        return problems.stream().map(p -> {
            assertTrue(p.matches("5:\\d+: .*"), p);
            return p.substring(p.indexOf(' ') + 1);
        }).toList();
    }

    @Test
    void swarmEntriesReadLikeDockerOnes() {
        DormouseConfig c = parse("providers:\n  docker: [{name: local}]\n  swarm: [{name: local, labels: true}]\n"
                + "routes:\n  - {name: a, hosts: [a.t], container: 'swarm:local/web'}\n  - {name: b, hosts: [b.t], container: web}\n");
        assertEquals(List.of(new DockerProviderConfig("local", "unix:///var/run/docker.sock", false),
                new SwarmProviderConfig("local", "unix:///var/run/docker.sock", true, Optional.empty())), c.providers());
        assertEquals("swarm:local", c.providers().get(1).key());
        assertEquals(new ContainerRef("swarm", "local", "web"), c.routes().get(0).container().orElseThrow());
        assertEquals(new ContainerRef("docker", "local", "web"), c.routes().get(1).container().orElseThrow(), "a bare name is never a service");
    }

    @Test
    void aBareNameIsADockerContainerWhenThereIsOneDockerProvider() {
        DormouseConfig c = parse("providers: {docker: [{name: local}]}\nroutes: [{name: a, hosts: [a.t], container: whoami}]\n");
        assertEquals(new ContainerRef("docker", "local", "whoami"), c.routes().get(0).container().orElseThrow());
        assertEquals("docker:local", c.routes().get(0).container().orElseThrow().providerKey());
    }
}
