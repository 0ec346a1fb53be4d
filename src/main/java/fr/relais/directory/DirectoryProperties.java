package fr.relais.directory;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param baseDn   root of the SDET tree ({@code ou=personnes}, {@code ou=structures} live under it)
 * @param ldap     the directory server; an empty url starts the embedded one
 * @param aaf      the AAF import
 * @param demoFeed the generated territory imported on first start of the demo profile
 */
@ConfigurationProperties("relais.directory")
public record DirectoryProperties(String baseDn, Ldap ldap, Aaf aaf, DemoFeed demoFeed) {

    public DirectoryProperties {
        baseDn = baseDn == null || baseDn.isBlank() ? "dc=relais,dc=local" : baseDn;
        ldap = ldap == null ? new Ldap(null, null, null, 10389, null, false) : ldap;
        aaf = aaf == null ? new Aaf(null, null, null, null, null) : aaf;
        demoFeed = demoFeed == null ? new DemoFeed(false, 3, 12, 25, 25, 2026) : demoFeed;
    }

    public boolean embedded() {
        return ldap.url() == null || ldap.url().isBlank();
    }

    /**
     * @param embeddedPort port of the embedded server on 127.0.0.1 (0 picks a free one)
     * @param pageSize     entries per page of large searches (RFC 2696 paged results); 0 reads in one go, which
     *                     the embedded server prefers (it re-scans its entries for every page, where OpenLDAP keeps
     *                     a cursor). Paging does not lift a server's size limit: the Relais account needs an
     *                     unlimited one ({@code olcLimits}); a search the server cuts fails loudly
     * @param startTls     upgrade an {@code ldap://} connection with StartTLS before binding (for servers without
     *                     ldaps); the JVM's trust store must hold the server's authority
     */
    public record Ldap(String url, String bindDn, String password, Integer embeddedPort, Integer pageSize,
                       boolean startTls) {
        public Ldap {
            embeddedPort = embeddedPort == null ? 10389 : embeddedPort;
            pageSize = pageSize == null || pageSize < 0 ? 1000 : pageSize;
        }
    }

    /**
     * @param inbox           folder watched for AAF files; {@code done/} and {@code error/} are made inside it
     * @param pollDelay       how often the inbox is looked at
     * @param fullFilePattern a file whose name matches is a full snapshot (persons absent from it have left)
     * @param maxRemovalShare above this share of a structure's persons, a snapshot's removals are refused
     * @param workers         records applied to the directory in parallel (LDAP connections in use)
     */
    public record Aaf(Path inbox, Duration pollDelay, String fullFilePattern, Double maxRemovalShare, Integer workers) {
        public Aaf {
            inbox = inbox == null ? Path.of("./data/aaf/inbox") : inbox;
            pollDelay = pollDelay == null ? Duration.ofSeconds(5) : pollDelay;
            fullFilePattern = fullFilePattern == null ? "(?i).*complet.*" : fullFilePattern;
            maxRemovalShare = maxRemovalShare == null ? 0.10 : maxRemovalShare;
            workers = workers == null || workers < 1 ? 4 : workers;
        }
    }

    public record DemoFeed(boolean enabled, int schools, int classesPerSchool, int pupilsPerClass,
                           int teachersPerSchool, long seed) {
    }
}
