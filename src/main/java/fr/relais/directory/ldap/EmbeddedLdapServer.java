package fr.relais.directory.ldap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo profile's directory: an in-memory LDAP server with the SDET schema, listening on 127.0.0.1 and
 * kept on disk as an LDIF snapshot ({@code <data-dir>/ldap/directory.ldif}) written after every import and
 * at shutdown, so that starting twice on the same data directory keeps the directory.
 * Production uses the territory's OpenLDAP instead.
 */
public class EmbeddedLdapServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedLdapServer.class);

    /** Attributes the importer and the read API search on: indexed like an OpenLDAP eq index. */
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
        this.password = randomSecret();
        try {
            InMemoryDirectoryServerConfig config = new InMemoryDirectoryServerConfig(baseDn);
            config.setSchema(SdetSchema.withStandardSchema());
            config.setListenerConfigs(InMemoryListenerConfig.createLDAPConfig("ldap",
                    InetAddress.getLoopbackAddress(), port, null));
            config.addAdditionalBindCredentials(bindDn, password);
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

    private static String randomSecret() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
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
            Files.createDirectories(snapshot.getParent());
            Path tmp = snapshot.resolveSibling(snapshot.getFileName() + ".tmp");
            server.exportToLDIF(tmp.toString(), false, true);
            Files.move(tmp, snapshot, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (LDAPException e) {
            throw new IllegalStateException("cannot write the LDAP snapshot " + snapshot + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the LDAP snapshot " + snapshot, e);
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
