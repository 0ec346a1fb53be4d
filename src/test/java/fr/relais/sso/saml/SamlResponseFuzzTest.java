package fr.relais.sso.saml;

import com.code_intelligence.jazzer.junit.FuzzTest;

import org.opensaml.saml.saml2.core.Response;

import fr.relais.FuzzTargets;

/**
 * What Relais' SAML service provider does with a {@code SAMLResponse} before it looks anything up (parse, a
 * Response, unique IDs), on any decoded bytes. Seeds: {@code SamlResponseFuzzTestInputs/}.
 */
class SamlResponseFuzzTest {

    /** Only {@link OpenSaml.SamlException} with a reason escapes; a Response read declared no DTD. */
    @FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
    void aResponseIsReadOrRefusedWithItsReason(byte[] data) {
        try {
            Response response = SamlServiceProvider.response(data);
            FuzzTargets.assertNoDtd(data);
            if (response.getDOM() == null) {
                throw new AssertionError("a Response without its DOM: its signature could not be checked");
            }
        } catch (OpenSaml.SamlException e) {
            FuzzTargets.assertSaysWhy(e);
        }
    }
}
