package fr.relais.sso.peers;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A real Shibboleth SP 3 (Debian's shibd and Apache httpd with mod_shib) as a publisher platform, on loopback
 * ports, with everything it writes under one directory: its configuration, its key, its logs. Apache protects
 * {@code /protege/} with {@code AuthType shibboleth}; {@code /protege/attributs} is a CGI that prints the
 * environment mod_shib hands to the application (the released attributes and the {@code Shib-*} variables).
 */
public final class ShibbolethSp implements AutoCloseable {

    /** The GAR attributes Relais may release (basic name format) and the personal ones it must never release. */
    public static final List<String> GAR_ATTRIBUTES = List.of("IDO", "UAI", "PRO", "DIV", "GRO", "P_MS4", "P_MAT",
            "P_MEL", "P_ENS", "E_MS4");
    public static final List<String> NAME_ATTRIBUTES = List.of("nom", "prenom", "sn", "givenName", "cn",
            "displayName", "mail", "dateNaissance", "ENTPersonJointure", "uid");

    private static final String SHIBD = "/usr/sbin/shibd";
    private static final String APACHE = "/usr/sbin/apache2";
    private static final String SETSID = "/usr/bin/setsid";
    private static final String MODULES = "/usr/lib/apache2/modules";

    private final Path dir;
    private final int port;
    private final int shibdPort;
    private final List<Process> processes = new ArrayList<>();

    /** Prepares a SP answering on {@code http://127.0.0.1:port}; nothing runs before {@link #start}. */
    public ShibbolethSp(Path dir, int port) {
        this.dir = dir.toAbsolutePath().normalize();
        this.port = port;
        this.shibdPort = freePort();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public String entityId() {
        return baseUrl() + "/shibboleth";
    }

    public String acsUrl() {
        return baseUrl() + "/Shibboleth.sso/SAML2/POST";
    }

    public String protectedPage() {
        return baseUrl() + "/protege/attributs";
    }

    /**
     * Writes the configuration (the IdP's metadata as given, a fresh SP key), starts shibd then Apache, and
     * returns once Apache answers through mod_shib.
     */
    public ShibbolethSp start(String idpEntityId, String idpMetadata) throws Exception {
        for (String binary : List.of(SHIBD, APACHE, MODULES + "/mod_shib.so", SETSID)) {
            if (!Files.exists(Path.of(binary))) {
                throw new IllegalStateException(binary + " absent : installez les paquets Debian apache2 et "
                        + "libapache2-mod-shib (voir .ci/run)");
            }
        }
        Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(dir.resolve("htdocs"));
        Files.createDirectories(dir.resolve("cgi"));
        Path logs = Files.createDirectories(dir.resolve("logs"));
        // Apache's children (www-data when started as root) write mod_shib's log here
        Files.setPosixFilePermissions(logs, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(dir.resolve("idp-metadata.xml"), idpMetadata);
        writeKey();
        Files.writeString(dir.resolve("shibboleth2.xml"), shibboleth2(idpEntityId));
        Files.writeString(dir.resolve("attribute-map.xml"), attributeMap());
        Files.writeString(dir.resolve("shibd.logger"), logger("INFO", logs.resolve("shibd.log")));
        Files.writeString(dir.resolve("native.logger"), logger("WARN", logs.resolve("native.log")));
        Path cgi = dir.resolve("cgi/attributs");
        Files.writeString(cgi, """
                #!/bin/sh
                printf 'Content-Type: text/plain; charset=UTF-8\\r\\n\\r\\n'
                env | LC_ALL=C sort
                """);
        Files.setPosixFilePermissions(cgi, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve("httpd.conf"), httpdConf());

        run(SHIBD, "-F", "-f", "-c", dir.resolve("shibboleth2.xml").toString(), "-p", dir.resolve("run/shibd.pid").toString(),
                "-w", "30");
        waitFor("shibd", () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", shibdPort), 200);
                return true;
            }
        });
        run(APACHE, "-DFOREGROUND", "-f", dir.resolve("httpd.conf").toString());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        waitFor("Apache", () -> http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/Shibboleth.sso/Metadata"))
                .build(), HttpResponse.BodyHandlers.ofString()).body().contains(entityId()));
        return this;
    }

    /**
     * Starts a daemon in a session of its own: Apache's prefork parent ends its children by signalling its whole
     * process group, which would otherwise be the test JVM's and Maven's.
     */
    private void run(String... command) throws IOException {
        String name = Path.of(command[0]).getFileName().toString();
        List<String> line = new ArrayList<>(List.of(SETSID));
        line.addAll(List.of(command));
        processes.add(new ProcessBuilder(line).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("logs/" + name + ".out").toFile()).start());
    }

    private interface Probe {
        boolean ok() throws Exception;
    }

    private void waitFor(String what, Probe probe) throws Exception {
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline)) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IllegalStateException(what + " s'est arrêté (code " + p.exitValue() + ") ; journaux : "
                            + dir.resolve("logs"));
                }
            }
            try {
                if (probe.ok()) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(what + " ne répond pas après 30 s ; journaux : " + dir.resolve("logs"));
    }

    /** Stops Apache (its parent, which stops its children) and shibd, and waits for them. */
    @Override
    public void close() {
        List<Process> newestFirst = new ArrayList<>(processes);
        java.util.Collections.reverse(newestFirst);
        for (Process p : newestFirst) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
    }

    private void writeKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        X500Name name = new X500Name("CN=127.0.0.1,O=Editeur de test");
        Instant now = Instant.now();
        var certificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(365))), name, pair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())));
        Files.writeString(dir.resolve("sp-key.pem"), pem(pair.getPrivate()));
        Files.writeString(dir.resolve("sp-cert.pem"), pem(certificate));
        // read by mod_shib inside Apache's children too; a throw-away test key
        Files.setPosixFilePermissions(dir.resolve("sp-key.pem"), PosixFilePermissions.fromString("rw-r--r--"));
    }

    private static String pem(Object o) throws IOException {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(w)) {
            writer.writeObject(o);
        }
        return w.toString();
    }

    private String shibboleth2(String idpEntityId) {
        return """
                <SPConfig xmlns="urn:mace:shibboleth:3.0:native:sp:config" clockSkew="180">
                  <OutOfProcess logger="%1$s/shibd.logger"/>
                  <InProcess logger="%1$s/native.logger"/>
                  <TCPListener address="127.0.0.1" port="%2$d" acl="127.0.0.1"/>
                  <ApplicationDefaults entityID="%3$s" REMOTE_USER="persistent-id">
                    <Sessions lifetime="3600" timeout="1800" relayState="ss:mem" checkAddress="false"
                              handlerSSL="false" cookieProps="; path=/; HttpOnly" redirectLimit="exact">
                      <SSO entityID="%4$s">SAML2</SSO>
                      <Logout>Local</Logout>
                      <Handler type="MetadataGenerator" Location="/Metadata" signing="false"/>
                      <Handler type="Status" Location="/Status" acl="127.0.0.1 ::1"/>
                      <Handler type="Session" Location="/Session" showAttributeValues="true"/>
                    </Sessions>
                    <Errors supportContact="root@localhost" helpLocation="/about.html" styleSheet="/shibboleth-sp/main.css"/>
                    <MetadataProvider type="XML" validate="true" path="%1$s/idp-metadata.xml"/>
                    <AttributeExtractor type="XML" validate="true" reloadChanges="false" path="%1$s/attribute-map.xml"/>
                    <AttributeFilter type="XML" validate="true" path="/etc/shibboleth/attribute-policy.xml"/>
                    <CredentialResolver type="File" key="%1$s/sp-key.pem" certificate="%1$s/sp-cert.pem"/>
                  </ApplicationDefaults>
                  <SecurityPolicyProvider type="XML" validate="true" path="/etc/shibboleth/security-policy.xml"/>
                  <ProtocolProvider type="XML" validate="true" reloadChanges="false" path="/etc/shibboleth/protocols.xml"/>
                </SPConfig>
                """.formatted(dir, shibdPort, entityId(), idpEntityId);
    }

    /** Every GAR attribute, and every name-like one so that a leak would show on the page. */
    private static String attributeMap() {
        StringBuilder map = new StringBuilder("""
                <Attributes xmlns="urn:mace:shibboleth:2.0:attribute-map"
                            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
                  <Attribute name="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" id="persistent-id">
                    <AttributeDecoder xsi:type="NameIDAttributeDecoder" formatter="$Name"/>
                  </Attribute>
                """);
        for (String name : concat(GAR_ATTRIBUTES, NAME_ATTRIBUTES)) {
            map.append("  <Attribute name=\"").append(name)
                    .append("\" nameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:basic\" id=\"")
                    .append(name).append("\"/>\n");
        }
        return map.append("</Attributes>\n").toString();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static String logger(String level, Path file) {
        return """
                log4j.rootCategory=%s, file
                log4j.appender.file=org.apache.log4j.FileAppender
                log4j.appender.file.fileName=%s
                log4j.appender.file.layout=org.apache.log4j.PatternLayout
                log4j.appender.file.layout.ConversionPattern=%%d{%%Y-%%m-%%d %%H:%%M:%%S} %%p %%c %%x: %%m%%n
                """.formatted(level, file);
    }

    private String httpdConf() {
        boolean root = "root".equals(System.getProperty("user.name"));
        return """
                ServerRoot "%1$s"
                DefaultRuntimeDir "%1$s/run"
                PidFile "%1$s/run/httpd.pid"
                Listen 127.0.0.1:%2$d
                ServerName 127.0.0.1:%2$d
                UseCanonicalName On
                %3$s
                ErrorLog "%1$s/logs/error.log"
                LogLevel warn
                LogFormat "%%h \\"%%r\\" %%>s" short
                CustomLog "%1$s/logs/access.log" short
                LoadModule mpm_prefork_module %4$s/mod_mpm_prefork.so
                LoadModule authn_core_module %4$s/mod_authn_core.so
                LoadModule authz_core_module %4$s/mod_authz_core.so
                LoadModule alias_module %4$s/mod_alias.so
                LoadModule cgi_module %4$s/mod_cgi.so
                LoadModule mod_shib %4$s/mod_shib.so
                StartServers 1
                MinSpareServers 1
                MaxSpareServers 2
                ShibConfig %1$s/shibboleth2.xml
                ShibCompatValidUser Off
                DocumentRoot "%1$s/htdocs"
                <Location /Shibboleth.sso>
                  SetHandler shib
                </Location>
                ScriptAlias /protege/attributs "%1$s/cgi/attributs"
                <Location /protege>
                  AuthType shibboleth
                  ShibRequestSetting requireSession 1
                  Require shib-session
                </Location>
                """.formatted(dir, port, root ? "User www-data\nGroup www-data" : "", MODULES);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
