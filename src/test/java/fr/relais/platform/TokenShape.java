package fr.relais.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What every ticket, cookie and id Relais puts in a URL must look like: its prefix, then only letters, digits
 * and {@code -} (CAS 3.0, section 3.7; mod_auth_cas ignores anything else), and at least 128 random bits.
 */
public final class TokenShape {

    private TokenShape() {
    }

    /**
     * The randomness is estimated from the sample: the sum, over character positions, of the Shannon entropy of
     * the characters seen there. A sample of n tokens cannot show more than log2(n) bits a position, so a few
     * hundred tokens of 50 positions are enough to tell 256 bits from a counter or a short random part.
     */
    public static void assertOpaque(String prefix, Collection<String> tokens) {
        assertThat(tokens).as("sample of %s tokens", prefix).hasSizeGreaterThanOrEqualTo(100);
        Pattern shape = Pattern.compile("^" + Pattern.quote(prefix) + "[A-Za-z0-9-]+$");
        assertThat(tokens).as("%s tokens hold only letters, digits and '-' after their prefix", prefix)
                .allMatch(t -> shape.matcher(t).matches());
        assertThat(new HashSet<>(tokens)).as("%s tokens are all different", prefix).hasSameSizeAs(tokens);
        assertThat(estimatedBits(prefix.length(), tokens)).as("estimated random bits of %s tokens", prefix)
                .isGreaterThanOrEqualTo(128);
    }

    static double estimatedBits(int from, Collection<String> tokens) {
        int longest = tokens.stream().mapToInt(String::length).max().orElse(0);
        double bits = 0;
        for (int i = from; i < longest; i++) {
            Map<Character, Integer> seen = new HashMap<>();
            for (String t : tokens) {
                seen.merge(i < t.length() ? t.charAt(i) : '\0', 1, Integer::sum);
            }
            for (int count : seen.values()) {
                double p = (double) count / tokens.size();
                bits -= p * Math.log(p) / Math.log(2);
            }
        }
        return bits;
    }
}
