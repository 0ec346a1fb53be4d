package fr.relais.licence;

import java.util.List;
import java.util.Map;

import com.code_intelligence.jazzer.junit.FuzzTest;

import fr.relais.FuzzTargets;
import fr.relais.directory.aaf.Uai;

/**
 * A GAR subscription document (the body of {@code PUT /abonnements/{id}}) and a filter document (the body of
 * {@code GET /abonnements}), on any bytes. Seeds: {@code SubscriptionXmlFuzzTestInputs/}.
 */
class SubscriptionXmlFuzzTest {

    /**
     * Only {@link SubscriptionXml.Unreadable} with a reason escapes; a document read declared no DTD; a refused
     * subscription names each fault; a valid one, written back as Relais answers it, reads and validates as
     * the same subscription.
     */
    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    void aSubscriptionIsReadAndWrittenBackTheSameOrRefusedWithItsReasons(byte[] data) throws Exception {
        try {
            SubscriptionXml.filters(data);
            FuzzTargets.assertNoDtd(data);
        } catch (SubscriptionXml.Unreadable e) {
            FuzzTargets.assertSaysWhy(e);
        }
        Map<String, List<String>> fields;
        try {
            fields = SubscriptionXml.read(data, "abonnement");
        } catch (SubscriptionXml.Unreadable e) {
            FuzzTargets.assertSaysWhy(e);
            return;
        }
        FuzzTargets.assertNoDtd(data);
        SubscriptionValidator.Outcome outcome = validate(fields);
        if (outcome instanceof SubscriptionValidator.Invalid invalid) {
            if (invalid.faults().isEmpty() || invalid.faults().stream().anyMatch(f -> f.field() == null || f.rule() == null
                    || f.message() == null || f.message().isBlank())) {
                throw new AssertionError("refused without naming each fault: " + invalid);
            }
            return;
        }
        Subscription valid = ((SubscriptionValidator.Valid) outcome).subscription();
        String written = SubscriptionXml.write(valid);
        SubscriptionValidator.Outcome again = validate(SubscriptionXml.read(written.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "abonnement"));
        if (!(again instanceof SubscriptionValidator.Valid back) || !back.subscription().equals(valid)) {
            throw new AssertionError("written back as\n" + written + "\nit reads as " + again + "\ninstead of " + valid);
        }
    }

    /** As the API validates a create by the publisher named in the document, for the id it carries. */
    private static SubscriptionValidator.Outcome validate(Map<String, List<String>> fields) {
        String id = fields.getOrDefault("idAbonnement", List.of("")).get(0);
        String distributor = fields.getOrDefault("idDistributeurCom", List.of("")).get(0);
        return SubscriptionValidator.validate(fields, "cns", id, distributor, true, null, Uai::isValid);
    }
}
