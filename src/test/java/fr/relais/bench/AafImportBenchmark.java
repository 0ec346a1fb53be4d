package fr.relais.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.naming.directory.SearchControls;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.ldap.core.LdapTemplate;
import org.springframework.ldap.core.support.LdapContextSource;

import fr.relais.RelaisTestSupport;
import fr.relais.directory.DirectoryProperties;
import fr.relais.directory.DirectoryStore;
import fr.relais.directory.SdetEntry;
import fr.relais.directory.aaf.AafFeedGenerator;
import fr.relais.directory.aaf.AafImporter;
import fr.relais.directory.aaf.AafReader;
import fr.relais.directory.aaf.AafRecord;
import fr.relais.directory.aaf.ImportHistory;
import fr.relais.directory.aaf.ImportReport;
import fr.relais.directory.ldap.EmbeddedLdapServer;

/**
 * Imports a generated feed the size of a large ENT (default 320,000 persons) into an SDET directory served by
 * a separate JVM, as production's OpenLDAP would be, and prints persons per second, wall time and the
 * importer's peak heap, next to two baselines measured in the same run: reading the same files without
 * applying them, and bare LDAP adds of minimal entries through the same Spring LDAP connection.
 * Run with {@code mvn -Pbench verify} (-Dbench.schools=750 -Dbench.threads=... to change the size).
 */
@Tag("benchmark")
class AafImportBenchmark {

    @Test
    void importALargeEnt() throws Exception {
        int schools = Integer.getInteger("bench.schools", 750);
        AafFeedGenerator.Parameters p = new AafFeedGenerator.Parameters(42, schools, 16, 25, 27, 0, 40_000, "BENCH");
        Path feedDir = Path.of("./target/bench/feed-" + schools);
        List<Path> feed;
        long t0 = System.nanoTime();
        RelaisTestSupport.delete(feedDir);
        feed = new AafFeedGenerator(p).writeTo(feedDir);
        long generation = System.nanoTime() - t0;
        long bytes = 0;
        for (Path f : feed) {
            bytes += Files.size(f);
        }
        System.out.printf("%nFeed: %,d persons in %d files, %,d MB, generated in %.1f s%n", p.persons(), feed.size(),
                bytes >> 20, generation / 1e9);

        // baseline 1: streaming the same files, nothing applied
        long parseStart = System.nanoTime();
        long records = 0;
        for (Path f : feed) {
            try (AafReader reader = AafReader.open(f)) {
                for (AafRecord r = reader.next(); r != null; r = reader.next()) {
                    records++;
                }
            }
        }
        double parseSeconds = (System.nanoTime() - parseStart) / 1e9;

        boolean slapd = "slapd".equals(System.getProperty("bench.aaf.ldap"));
        Path ldapDir = RelaisTestSupport.fresh("bench-ldap");
        String[] ready;
        Process ldap;
        if (slapd) {
            ready = new String[] {"READY", String.valueOf(freePort()), "cn=relais,dc=relais,dc=local", "bench-relais"};
            ldap = startSlapd(ldapDir, Integer.parseInt(ready[1]), ready[2], ready[3]);
        } else {
            ldap = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx6g", "-cp", System.getProperty("java.class.path"), EmbeddedLdapServer.class.getName(), "0",
                    ldapDir.resolve("unused.ldif").toString(), "dc=relais,dc=local")
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(ldap.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            while (line != null && !line.startsWith("READY ")) {
                line = out.readLine();
            }
            ready = line.split(" ");
            Thread drain = new Thread(() -> {
                try {
                    while (out.readLine() != null) {
                        // keep the child's output pipe empty
                    }
                } catch (java.io.IOException ignored) {
                    // child gone
                }
            });
            drain.setDaemon(true);
            drain.start();
        }
        try {
            LdapContextSource source = new LdapContextSource();
            source.setUrl("ldap://127.0.0.1:" + ready[1]);
            source.setUserDn(ready[2]);
            source.setPassword(ready[3]);
            source.setPooled(true);
            source.afterPropertiesSet();
            LdapTemplate template = new LdapTemplate(source);
            // the embedded UnboundID server: large searches read in one go, as Relais does with it; slapd: paged
            DirectoryProperties properties = new DirectoryProperties("dc=relais,dc=local",
                    new DirectoryProperties.Ldap("ldap://127.0.0.1:" + ready[1], ready[2], ready[3], 0,
                            Integer.getInteger("bench.pageSize", slapd ? 1000 : 0), false),
                    new DirectoryProperties.Aaf(null, null, null, null, Integer.getInteger("bench.workers", 4)), null);
            DirectoryStore store = new DirectoryStore(template, source, properties);

            // baseline 2: bare adds of minimal entries, one connection, same client stack
            int rawCount = slapd ? 5_000 : 50_000; // slapd commits each add to disk: a few hundred per second
            double rawCpu = cpuMillis(ldap);
            long rawStart = System.nanoTime();
            for (int i = 0; i < rawCount; i++) {
                store.add(new SdetEntry("uid=raw" + i + ",ou=groupes,dc=relais,dc=local", Map.of(
                        "objectClass", List.of("top", "person", "organizationalPerson", "inetOrgPerson"),
                        "uid", List.of("raw" + i), "sn", List.of("RAW"), "cn", List.of("raw " + i))));
            }
            double rawRate = rawCount / ((System.nanoTime() - rawStart) / 1e9);
            double rawServerMs = (cpuMillis(ldap) - rawCpu) / rawCount;

            JdbcDataSource db = new JdbcDataSource();
            db.setURL("jdbc:h2:mem:bench;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1");
            Flyway.configure().dataSource(db).locations("classpath:db/migration").load().migrate();
            AafImporter importer = new AafImporter(store, new ImportHistory(new JdbcTemplate(db)), properties,
                    new DefaultListableBeanFactory().getBeanProvider(EmbeddedLdapServer.class));

            System.gc();
            List<MemoryPoolMXBean> heap = new ArrayList<>();
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    pool.resetPeakUsage();
                    heap.add(pool);
                }
            }
            double importCpu = cpuMillis(ldap);
            long start = System.nanoTime();
            long added = 0;
            long rejected = 0;
            for (Path f : feed) {
                ImportReport r = importer.importFile(f, f.getFileName().toString(), "bench");
                added += r.getAdded();
                rejected += r.getRejected();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double importServerMs = (cpuMillis(ldap) - importCpu) / p.persons();
            long peak = heap.stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
            long persons = store.search(store.people(), SearchControls.ONELEVEL_SCOPE, "(objectClass=ENTEleve)",
                    List.of("uid")).size();

            double rate = (p.persons()) / seconds;
            double parseRate = records / parseSeconds;
            System.out.printf("%n=== AAF import benchmark (%d cores, -Xmx %d MB), directory: %s ===%n",
                    Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                    slapd ? "OpenLDAP slapd (back_mdb, deploy/local/slapd-init)" : "embedded UnboundID, own JVM");
            System.out.printf("import        : %,d persons (+%d schools) in %.1f s = %,.0f persons/s, %d rejected, %,d pupils in LDAP%n",
                    p.persons(), schools, seconds, rate, rejected, persons);
            System.out.printf("baseline parse: %,.0f records/s (same files, nothing applied)  -> import/parse = %.2f%n",
                    parseRate, rate / parseRate);
            System.out.printf("baseline LDAP : %,.0f bare adds/s (minimal entries, same client) -> import/adds = %.2f%n",
                    rawRate, rate / rawRate);
            System.out.printf("directory server CPU: %.2f ms per imported person, %.2f ms per bare add%n",
                    importServerMs, rawServerMs);
            System.out.printf("peak heap of the importer JVM during the import: %,d MB (max %,d MB)%n",
                    peak >> 20, Runtime.getRuntime().maxMemory() >> 20);
            System.out.printf("added %,d entries (persons + schools)%n%n", added);
            if (slapd) {
                sameEntriesBaseline(ldapDir, rate);
            }
        } finally {
            ldap.getOutputStream().close();
            ldap.destroy();
            ldap.waitFor();
        }
    }

    /**
     * The baseline the import is judged against: the very entries it made (persons, schools, groups; as slapcat
     * dumps them, without the server's operational attributes), added by OpenLDAP's own ldapadd over one
     * connection into a second, empty slapd of the same configuration, in the same run.
     */
    private static void sameEntriesBaseline(Path dir, double importRate) throws Exception {
        Path dump = dir.resolve("import.ldif");
        run(dir, "slapcat", "-F", dir.resolve("slapd/config").toAbsolutePath().toString(), "-b", "dc=relais,dc=local",
                "-o", "ldif-wrap=no", "-l", dump.toAbsolutePath().toString());
        java.util.Set<String> skip = java.util.Set.of("structuralObjectClass", "entryUUID", "creatorsName",
                "createTimestamp", "entryCSN", "modifiersName", "modifyTimestamp", "contextCSN");
        Path same = dir.resolve("same-entries.ldif");
        long entries = 0;
        try (var out = Files.newBufferedWriter(same, StandardCharsets.UTF_8);
             var in = Files.newBufferedReader(dump, StandardCharsets.UTF_8)) {
            StringBuilder block = new StringBuilder();
            boolean keep = false;
            for (String line = in.readLine(); ; line = in.readLine()) {
                if (line == null || line.isEmpty()) {
                    if (keep && block.length() > 0) {
                        out.write(block.append('\n').toString());
                        entries++;
                    }
                    block.setLength(0);
                    keep = false;
                    if (line == null) {
                        break;
                    }
                    continue;
                }
                if (line.startsWith("dn:")) {
                    String dn = line.substring(3).trim();
                    // the initial tree is there already; the minimal entries of the other baseline are not the import's
                    keep = dn.chars().filter(c -> c == ',').count() > 2 && !dn.startsWith("uid=raw");
                }
                String attribute = line.contains(":") ? line.substring(0, line.indexOf(':')) : "";
                if (!skip.contains(attribute)) {
                    block.append(line).append('\n');
                }
            }
        }
        int port = freePort();
        Process second = startSlapd(dir, "slapd-bare", port, "cn=relais,dc=relais,dc=local", "bench-relais");
        try {
            double cpu = cpuMillis(second);
            long start = System.nanoTime();
            run(dir, "ldapadd", "-x", "-H", "ldap://127.0.0.1:" + port, "-D", "cn=relais,dc=relais,dc=local", "-w",
                    "bench-relais", "-f", same.toAbsolutePath().toString());
            double seconds = (System.nanoTime() - start) / 1e9;
            double serverMs = (cpuMillis(second) - cpu) / entries;
            System.out.printf("baseline same entries: ldapadd of the %,d entries the import made, into an empty slapd of "
                    + "the same configuration: %.1f s = %,.0f entries/s, server CPU %.2f ms per entry -> import/ldapadd = "
                    + "%.2f%n%n", entries, seconds, entries / seconds, serverMs, importRate / (entries / seconds));
        } finally {
            second.destroy();
            second.waitFor();
        }
    }

    private static void run(Path dir, String... command) throws Exception {
        Path log = dir.resolve(command[0] + ".log");
        int code = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start().waitFor();
        if (code != 0) {
            throw new IllegalStateException(command[0] + " a échoué (code " + code + "), voir " + log);
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * OpenLDAP's slapd configured by deploy/local/slapd-init, as deploy/local/up runs it (plain LDAP on the loopback
     * here: TLS would cost both the import and the bare adds alike), in the foreground until the benchmark ends.
     */
    private static Process startSlapd(Path dir, int port, String bindDn, String password) throws Exception {
        return startSlapd(dir, "slapd", port, bindDn, password);
    }

    private static Process startSlapd(Path dir, String name, int port, String bindDn, String password) throws Exception {
        Files.createDirectories(dir);
        Path slapdDir = dir.resolve(name).toAbsolutePath();
        ProcessBuilder init = new ProcessBuilder("deploy/local/slapd-init").redirectErrorStream(true)
                .redirectOutput(dir.resolve("slapd-init.log").toFile());
        init.environment().putAll(Map.of("SLAPD_DIR", slapdDir.toString(), "SLAPD_PID",
                slapdDir.resolveSibling(slapdDir.getFileName() + ".pid").toString(), "SLAPD_NOSYNC",
                String.valueOf(Boolean.getBoolean("bench.aaf.slapd.nosync")), "BASE_DN", "dc=relais,dc=local",
                "RELAIS_LDAP_BIND_DN", bindDn, "RELAIS_LDAP_PASSWORD", password, "LDAP_ADMIN_PASSWORD", "bench-admin"));
        if (init.start().waitFor() != 0) {
            throw new IllegalStateException("slapd-init a échoué, voir " + dir.resolve("slapd-init.log"));
        }
        return runSlapd(dir, slapdDir, port);
    }

    private static Process runSlapd(Path dir, Path slapdDir, int port) throws Exception {
        Process slapd = new ProcessBuilder("/usr/sbin/slapd", "-F", slapdDir.resolve("config").toString(), "-h",
                "ldap://127.0.0.1:" + port + "/", "-d", "0").redirectErrorStream(true)
                .redirectOutput(dir.resolve(slapdDir.getFileName() + ".log").toFile()).start();
        for (int i = 0; i < 100; i++) {
            try (java.net.Socket ignored = new java.net.Socket("127.0.0.1", port)) {
                return slapd;
            } catch (java.io.IOException notYet) {
                Thread.sleep(100);
            }
        }
        slapd.destroy();
        throw new IllegalStateException("slapd n'écoute pas sur le port " + port + ", voir " + dir.resolve("slapd.log"));
    }

    /** User and system CPU so far of a child process, in milliseconds (from /proc on Linux, as the other benchmarks). */
    private static double cpuMillis(Process p) {
        return p.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e6).orElse(0.0);
    }
}
