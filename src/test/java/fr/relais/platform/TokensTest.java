package fr.relais.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class TokensTest {

    @Test
    void tokensHoldOnlyLettersDigitsAndDashesAndAtLeast128RandomBits() {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            tokens.add(Tokens.random("ST-"));
        }
        TokenShape.assertOpaque("ST-", tokens);
        // every token has the same length, whatever its leading zeros
        assertThat(tokens).allMatch(t -> t.length() == "ST-".length() + Tokens.LENGTH);
        assertThat(TokenShape.estimatedBits(3, tokens)).isGreaterThan(240);
    }

    @Test
    void theEstimateTellsAShortRandomPartFromAFullOne() {
        List<String> counters = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            counters.add(String.format("ST-%050d", i));
        }
        assertThat(TokenShape.estimatedBits(3, counters)).isLessThan(20);
    }
}
