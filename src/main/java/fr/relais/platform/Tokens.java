package fr.relais.platform;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Opaque random identifiers and the hash under which secret ones are stored. An identifier is 256 random bits
 * written in base 36 ({@code [0-9a-z]}, {@value #LENGTH} characters) after its prefix: CAS 3.0 (section 3.7)
 * allows only letters, digits and {@code -} in tickets, and real clients (mod_auth_cas) ignore any other, so
 * the same shape serves every id that travels in a URL or a cookie.
 */
public final class Tokens {

    private static final SecureRandom RANDOM = new SecureRandom();
    /** Base-36 digits of 2^256 - 1, so every identifier has the same length. */
    static final int LENGTH = 50;

    private Tokens() {
    }

    public static String random(String prefix) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String digits = new BigInteger(1, bytes).toString(36);
        return prefix + "0".repeat(LENGTH - digits.length()) + digits;
    }

    /** A digest per thread: {@code MessageDigest.getInstance} looks through the security providers at each call. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    public static String sha256(String value) {
        // digest() resets it for the next call
        return HexFormat.of().formatHex(SHA256.get().digest(value.getBytes(StandardCharsets.UTF_8)));
    }
}
