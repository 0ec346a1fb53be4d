package fr.relais.connector;

import java.util.List;
import java.util.Set;

/**
 * What the {@code test} capability does for a family: reach the connected system as Relais will, check what it
 * publishes (metadata, keys, endpoints) and what Relais holds for it (credentials), and say so in French, one line
 * per check. A test changes nothing, in Relais or in the system. Implementations are Spring beans, found by family.
 */
public interface ConnectionTest {

    /** The families ({@code family:} of a descriptor) this test serves. */
    Set<String> families();

    /** The checks, in order; an unreachable system is a failed check, not an exception. */
    List<Check> run(Connector connector);

    enum Status {
        /** The check holds. */
        OK,
        /** It holds, but will not for long (a certificate expiring soon) or could not be tried. */
        ATTENTION,
        /** It does not hold: Relais cannot use the system as configured. */
        ECHEC
    }

    /** One check: what was tried, and what came of it, in French. */
    record Check(String name, Status status, String detail) {

        public static Check ok(String name, String detail) {
            return new Check(name, Status.OK, detail);
        }

        public static Check attention(String name, String detail) {
            return new Check(name, Status.ATTENTION, detail);
        }

        public static Check echec(String name, String detail) {
            return new Check(name, Status.ECHEC, detail);
        }
    }
}
