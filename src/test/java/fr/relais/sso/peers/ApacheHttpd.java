package fr.relais.sso.peers;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Apache httpd (Debian's {@code apache2}) as a child process of the test JVM: its own httpd.conf,
 * ServerRoot, PidFile and logs under {@code target/apache/<name>/}, loopback ports only, modules loaded from
 * {@code /usr/lib/apache2/modules}. {@link #close()} stops it; nothing of the system's Apache is used or touched.
 */
public final class ApacheHttpd implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/sbin/apache2");
    public static final Path MODULES = Path.of("/usr/lib/apache2/modules");

    private final Path home;
    private final Process process;

    private ApacheHttpd(Path home, Process process) {
        this.home = home;
        this.process = process;
    }

    /** Free TCP ports on 127.0.0.1, picked before anything that must know them (connectors, configuration) starts. */
    public static int[] freePorts(int count) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                held.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return held.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new IllegalStateException("no free loopback port: " + e.getMessage(), e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // the port is free again either way
                }
            }
        }
    }

    /** The ServerRoot of the instance {@code name}: {@code target/apache/<name>/}. */
    public static Path home(String name) {
        return Path.of("target", "apache", name).toAbsolutePath();
    }

    /** Empties the ServerRoot of the instance {@code name}, before its files (scripts, cache) are written. */
    public static Path freshHome(String name) throws IOException {
        Path home = home(name);
        fr.relais.RelaisTestSupport.delete(home);
        return Files.createDirectories(home);
    }

    /**
     * Writes {@code target/apache/<name>/httpd.conf} (the common part, then {@code site}), starts
     * {@code apache2 -f httpd.conf -DFOREGROUND} and waits until every port answers.
     *
     * @param modules module names as in {@code /usr/lib/apache2/modules/mod_<name>.so} (prefork is always loaded)
     * @param site    the configuration proper: virtual hosts, locations, module directives; {@code @HOME@} stands
     *                for the ServerRoot
     */
    public static ApacheHttpd start(String name, List<String> modules, int[] ports, String site) throws IOException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: install the Debian packages apache2 and "
                    + "libapache2-mod-auth-cas (.ci/run does) to run the tests against real peers");
        }
        Path home = home(name);
        Files.createDirectories(home.resolve("logs"));
        Files.createDirectories(home.resolve("run"));
        Files.createDirectories(home.resolve("htdocs"));
        StringBuilder conf = new StringBuilder()
                .append("# written by ").append(ApacheHttpd.class.getName()).append(" for a test; do not edit\n")
                .append("ServerRoot ").append(home).append('\n')
                .append("PidFile ").append(home.resolve("run/httpd.pid")).append('\n')
                .append("DefaultRuntimeDir ").append(home.resolve("run")).append('\n')
                .append("DocumentRoot ").append(home.resolve("htdocs")).append('\n')
                .append("ErrorLog ").append(home.resolve("logs/error.log")).append('\n')
                .append("LogFormat \"%h \\\"%r\\\" %>s %{Location}o\" hops\n")
                .append("CustomLog ").append(home.resolve("logs/access.log")).append(" hops\n")
                .append("ServerName 127.0.0.1\n")
                .append("StartServers 2\nMinSpareServers 1\nMaxSpareServers 4\nMaxRequestWorkers 8\n")
                .append("LoadModule mpm_prefork_module ").append(MODULES.resolve("mod_mpm_prefork.so")).append('\n');
        for (String module : modules) {
            conf.append("LoadModule ").append(module).append("_module ").append(MODULES.resolve("mod_" + module + ".so"))
                    .append('\n');
        }
        if (runsAsRoot()) {
            // httpd started by root serves as an unprivileged user; the test's files are made readable to it
            conf.append("User nobody\nGroup nogroup\n");
        }
        for (int port : ports) {
            conf.append("Listen 127.0.0.1:").append(port).append('\n');
        }
        conf.append(site.replace("@HOME@", home.toString()));
        Path file = home.resolve("httpd.conf");
        Files.writeString(file, conf, StandardCharsets.UTF_8);
        // its own process group: on SIGTERM, httpd's parent signals its whole group, which would otherwise hold
        // the test JVM and Maven (setsid execs httpd in place, so the Process is httpd itself)
        Process process = new ProcessBuilder("setsid", BINARY.toString(), "-f", file.toString(), "-DFOREGROUND")
                .redirectErrorStream(true).redirectOutput(home.resolve("logs/console.log").toFile()).start();
        ApacheHttpd httpd = new ApacheHttpd(home, process);
        // a test JVM that dies before its @AfterAll leaves no Apache behind
        Runtime.getRuntime().addShutdownHook(new Thread(httpd::close, "stop-apache-" + name));
        httpd.awaitPorts(ports, Duration.ofSeconds(15));
        return httpd;
    }

    /** A directory of the ServerRoot the served user may write (mod_auth_cas' cache), created empty. */
    public static Path writableDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (runsAsRoot()) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        return dir;
    }

    /** An executable script (a CGI), readable by the served user. */
    public static Path script(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    public Path home() {
        return home;
    }

    /** The last lines of the error log, for assertion messages. */
    public String errorLog(int lines) {
        try {
            List<String> all = Files.readAllLines(home.resolve("logs/error.log"), StandardCharsets.UTF_8);
            return all.subList(Math.max(0, all.size() - lines), all.size()).stream().collect(Collectors.joining("\n"));
        } catch (IOException e) {
            return "(no error log: " + e.getMessage() + ")";
        }
    }

    private void awaitPorts(int[] ports, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int port : ports) {
            while (true) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                    break;
                } catch (IOException notYet) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        String why = process.isAlive() ? "did not listen on 127.0.0.1:" + port + " within " + timeout
                                : "exited with status " + process.exitValue();
                        close();
                        throw new IllegalStateException("Apache httpd " + why + "\n" + console() + "\n" + errorLog(30));
                    }
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
    }

    private String console() {
        try {
            return Files.readString(home.resolve("logs/console.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static boolean runsAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** SIGTERM to the parent, which stops its children; forcibly after 10 s. */
    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
}
