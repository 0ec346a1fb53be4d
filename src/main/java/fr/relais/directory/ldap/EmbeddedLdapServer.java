package fr.relais.directory.ldap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import fr.relais.platform.DataFiles;

/**
 * The demo profile's directory: an in-memory LDAP server with the SDET schema, listening on 127.0.0.1 and
 * kept on disk as an LDIF snapshot ({@code <data-dir>/ldap/directory.ldif}) written after every import and
 * at shutdown, so that starting twice on the same data directory keeps the directory.
 * It holds pupils' names, birth dates and guardians, and the profiles that become the roles released to tools
 * and publishers: every operation needs a bind as {@code cn=relais,<base>}, whose password is generated on first
 * start into {@code <data-dir>/ldap/bind-password} (readable by Relais' user only); anonymous clients can only bind.
 * Production uses the territory's OpenLDAP instead.
 */
public class EmbeddedLdapServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedLdapServer.class);

    /** Attributes the importer and the read API search on: indexed like an OpenLDAP eq index. */
    /** Next to the snapshot, in the data directory. */
    public static final String PASSWORD_FILE = "bind-password";

    static final String[] INDEXED = {"ENTPersonStructRattach", "ENTStructureUAI", "ENTGroupeStructRattach"};

    private final InMemoryDirectoryServer server;
    private final Path snapshot;
    private final String baseDn;
    private final String bindDn;
    private final String password;

    public EmbeddedLdapServer(String baseDn, int port, Path snapshot) {
        this.baseDn = baseDn;
        this.snapshot = snapshot;
        this.bindDn = "cn=relais," + baseDn;
        this.password = passwordKeptIn(snapshot.resolveSibling(PASSWORD_FILE));
        try {
            InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(baseDn);
            config.setSchema(SdetSchema.withStandardSchema());
            config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap",
                    InetAddress.getLoopbackAddress(), port, null));
            config.addAdditionalBindCredentials(bindDn, password);
            // bind is the only operation an unauthenticated client may send
            config.setAuthenticationRequiredOperationTypes(java.util.EnumSet.complementOf(
                    java.util.EnumSet.of(com.unboundid.ldap.sdk.OperationType.BIND)));
            config.setEqualityIndexAttributes(INDEXED);
            config.setEnforceAttributeSyntaxCompliance(true);
            config.setEnforceSingleStructuralObjectClass(false);
            config.setGenerateOperationalAttributes(false);
            config.setMaxChangeLogEntries(0);
            config.setLDAPDebugLogHandler(null);
            config.setAccessLogHandler(null);
            server = new InMemoryDirectoryServer(config);
            if (Files.exists(snapshot)) {
                int count = server.importFromLDIF(true, snapshot.toFile());
                log.info("Embedded LDAP: {} entries restored from {}", count, snapshot);
            } else {
                server.add(new Entry(baseDn, new com.unboundid.ldap.sdk.Attribute("objectClass", "top", "domain"),
                        new com.unboundid.ldap.sdk.Attribute("dc", baseDn.replaceFirst("^dc=([^,]+).*$", "$1"))));
            }
            for (String ou : new String[] {"personnes", "structures", "groupes"}) {
                String dn = "ou=" + ou + "," + baseDn;
                if (server.getEntry(dn) == null) {
                    server.add("dn: " + dn, "objectClass: top", "objectClass: organizationalUnit", "ou: " + ou);
                }
            }
            server.startListening();
            log.info("Embedded LDAP (SDET schema) listening on ldap://127.0.0.1:{}/{}", listenPort(), baseDn);
        } catch (LDAPException | com.unboundid.ldif.LDIFException e) {
            throw new IllegalStateException("cannot start the embedded LDAP server: " + e.getMessage()
                    + (Files.exists(snapshot) ? " (snapshot " + snapshot + ")" : ""), e);
        }
    }

    /** The bind password of the data directory, generated on its first start (an LDAP browser can use it too). */
    private static String passwordKeptIn(Path file) {
        try {
            if (Files.exists(file)) {
                return Files.readString(file, java.nio.charset.StandardCharsets.UTF_8).strip();
            }
            byte[] bytes = new byte[24];
            new SecureRandom().nextBytes(bytes);
            String generated = HexFormat.of().formatHex(bytes);
            DataFiles.writeSecret(file, (generated + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return generated;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the embedded LDAP bind password " + file, e);
        }
    }

    public int listenPort() {
        return server.getListenPort();
    }

    public String url() {
        return "ldap://127.0.0.1:" + listenPort();
    }

    public String bindDn() {
        return bindDn;
    }

    public String password() {
        return password;
    }

    public String baseDn() {
        return baseDn;
    }

    /** Writes the whole directory to the snapshot file, atomically. */
    public synchronized void snapshot() {
        try {
            DataFiles.writePrivately(snapshot, out -> {
                try {
                    server.exportToLDIF(new com.unboundid.ldif.LDIFWriter(out), false, true, true);
                } catch (LDAPException e) {
                    throw new IOException(e.getMessage(), e);
                }
            });
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("cannot write the LDAP snapshot " + snapshot + ": " + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    @Override
    public void close() {
        try {
            snapshot();
        } finally {
            server.shutDown(true);
        }
    }

    /**
     * Runs the embedded directory on its own, for benchmarks and for trying an LDAP browser against it:
     * {@code EmbeddedLdapServer <port> <snapshot.ldif> [baseDn]}. Prints {@code READY <port> <bindDn> <password>}
     * and serves until its standard input closes.
     */
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 10389;
        Path snapshot = Path.of(args.length > 1 ? args[1] : "./data/ldap/directory.ldif");
        String baseDn = args.length > 2 ? args[2] : "dc=relais,dc=local";
        EmbeddedLdapServer server = new EmbeddedLdapServer(baseDn, port, snapshot);
        System.out.println("READY " + server.listenPort() + " " + server.bindDn() + " " + server.password());
        System.out.flush();
        while (System.in.read() >= 0) {
            // serve until the parent closes our input
        }
        server.server.shutDown(true);
    }
}
