package dev.dormouse.provider.proxmox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dormouse.core.ConfigException;
import dev.dormouse.core.ConfigLoader;
import dev.dormouse.core.ContainerRef;
import dev.dormouse.core.DormouseConfig;
import dev.dormouse.core.ProviderKinds;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code providers.proxmox} section as the proxmox kind reads and checks it (what {@code dormouse
 * validate} runs): its values, its token secret file (read, never shown), and guest references.
 */
class ProxmoxConfigTest {
    private static final ProviderKinds KINDS = ProviderKinds.of(List.of(new ProxmoxProviderFactory()));

    @TempDir
    Path dir;

    private DormouseConfig parse(String yaml) {
        return ConfigLoader.parse(new StringReader(yaml), "t.yml", dir, dir.resolve("t.yml"), KINDS);
    }

    private List<String> problems(String yaml) {
        try {
            parse(yaml);
            return List.of();
        } catch (ConfigException e) {
            return e.problems().stream().map(p -> p.toString().substring("t.yml:".length())).toList();
        }
    }

    /** An entry with every required key and {@code more}. */
    private static String pve(String secretFile, String more) {
        return entry("url: 'https://pve.lan:8006', token_id: 'root@pam!dormouse'", secretFile, more);
    }

    /** An entry named pve with {@code keys}, the secret file and {@code more}. */
    private static String entry(String keys, String secretFile, String more) {
        return "providers: {proxmox: [{name: pve, " + keys + ", token_secret_file: " + secretFile + (more.isEmpty() ? "" : ", " + more) + "}]}\n";
    }

    @Test
    void everyRuleOfTheSection() throws IOException {
        Files.writeString(dir.resolve("good.secret"), "s3cret\n");
        Files.writeString(dir.resolve("empty.secret"), " \n");
        Files.createDirectory(dir.resolve("dir.secret"));
        String[][] cases = {
            // yaml, problem count, the problem: line:column: path: message
            {"providers: {proxmox: [{name: p}]}", "3", "1:23: providers.proxmox[0].url: required"},
            {"providers: {proxmox: [{name: p}]}", "3", "1:23: providers.proxmox[0].token_id: required"},
            {"providers: {proxmox: [{name: p}]}", "3", "1:23: providers.proxmox[0].token_secret_file: required"},
            {"providers: {proxmox: [{url: 'https://h', token_id: 'a@b!c', token_secret_file: good.secret}]}", "1",
                "1:23: providers.proxmox[0].name: required"},
            {entry("url: 'ftp://x', token_id: 'a@b!c'", "good.secret", ""), "1", "1:40: providers.proxmox[0].url: must be an http(s) URL, got 'ftp://x'"},
            {entry("url: 'https://:8006', token_id: 'a@b!c'", "good.secret", ""), "1", "1:40: providers.proxmox[0].url: names no host, got 'https://:8006'"},
            {"providers: {proxmox: [{name: p, url: 'https://a b', token_id: 'a@b!c', token_secret_file: good.secret}]}", "1",
                "1:38: providers.proxmox[0].url: not a URL: 'https://a b' (Illegal character in authority)"},
            {entry("url: 'https://h', token_id: 'root'", "good.secret", ""), "1", "1:63: providers.proxmox[0].token_id: must be USER@REALM!TOKENID, got 'root'"},
            {pve("good.secret", "fingerprint: 'zz'"), "1",
                "1:140: providers.proxmox[0].fingerprint: must be a SHA-256 fingerprint like AB:CD:...(32 bytes), got 'zz'"},
            {pve("good.secret", "insecure_skip_verify: 1"), "1", "1:149: providers.proxmox[0].insecure_skip_verify: must be true or false, got a number '1'"},
            {pve("good.secret", "poll_interval: 0s"), "1", "1:142: providers.proxmox[0].poll_interval: must be longer than 0"},
            {pve("good.secret", "pol_interval: 5s"), "1", "1:127: providers.proxmox[0].pol_interval: unknown key (did you mean 'poll_interval'?)"},
            // The secret file, checked by validate as by serve (its content is never shown).
            {pve("missing.secret", ""), "1", "1:114: providers.proxmox[0].token_secret_file: " + dir.resolve("missing.secret") + " does not exist"},
            {pve("empty.secret", ""), "1", "1:114: providers.proxmox[0].token_secret_file: " + dir.resolve("empty.secret") + " is empty"},
            {pve("dir.secret", ""), "1", "1:114: providers.proxmox[0].token_secret_file: " + dir.resolve("dir.secret") + " is a directory, not a file"},
            // A section with a problem has its files left alone: its values may not be the ones meant.
            {pve("missing.secret", "poll_interval: 0s"), "1", "1:145: providers.proxmox[0].poll_interval: must be longer than 0"},
            {pve("good.secret", "") + "routes: [{name: x, hosts: [x.t], container: 'proxmox:pve/pve1'}]", "1",
                "2:45: routes[0].container: must be proxmox:<provider>/<node>/<vmid>, got 'proxmox:pve/pve1'"},
            {pve("good.secret", "") + "routes: [{name: x, hosts: [x.t], container: 'proxmox:pve/pve1/ct'}]", "1",
                "2:45: routes[0].container: must be proxmox:<provider>/<node>/<vmid>, got 'proxmox:pve/pve1/ct'"},
            {pve("good.secret", "") + "routes: [{name: x, hosts: [x.t], container: '101'}]", "1",
                "2:45: routes[0].container: '101' names no provider; write proxmox:<provider>/<node>/<vmid>"},
            // An entry with problems keeps its name: routes naming it are not reported too.
            {entry("url: 'ftp://x', token_id: 'a@b!c'", "good.secret", "") + "routes: [{name: x, hosts: [x.t], container: 'proxmox:pve/pve1/101'}]", "1",
                "1:40: providers.proxmox[0].url: must be an http(s) URL, got 'ftp://x'"},
        };
        List<String> failures = new ArrayList<>();
        for (String[] c : cases) {
            List<String> got = problems(c[0] + "\n");
            if (got.size() != Integer.parseInt(c[1]) || !got.contains(c[2])) failures.add(c[0] + "\n  expected " + c[1] + " with " + c[2] + "\n  got " + got);
            if (got.stream().anyMatch(p -> p.contains("s3cret"))) failures.add("the secret was shown: " + got);
        }
        assertEquals("", String.join("\n", failures));
    }

    @Test
    void anUnreadableSecretFileIsAProblemOfTheConfig() throws IOException {
        Path f = Files.writeString(dir.resolve("root-only.secret"), "s3cret");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(f), "this user (root) reads any file");
        assertEquals(List.of("1:114: providers.proxmox[0].token_secret_file: " + f + " is not readable by user " + System.getProperty("user.name")),
                problems(pve("root-only.secret", "")));
    }

    @Test
    void theSectionsValuesAndDefaults() throws IOException {
        Files.writeString(dir.resolve("pve.secret"), "s3cret");
        DormouseConfig c = parse(pve("pve.secret", "fingerprint: '" + "AB:".repeat(31) + "CD'") + "routes: [{name: ct, hosts: [ct.t], container: 'proxmox:pve/pve1/101'}]\n");
        ProxmoxProviderConfig p = (ProxmoxProviderConfig) c.providers().get(0);
        assertEquals(new ProxmoxProviderConfig("pve", "https://pve.lan:8006", "root@pam!dormouse", dir.resolve("pve.secret"),
                Optional.of("AB:".repeat(31) + "CD"), false, Duration.ofSeconds(5)), p);
        assertEquals("proxmox:pve", p.key());
        assertEquals("https://pve.lan:8006", p.endpoint());
        assertEquals(new ContainerRef("proxmox", "pve", "pve1/101"), c.routes().get(0).container().orElseThrow());
        assertEquals(false, p.toString().contains("s3cret"));
    }
}
