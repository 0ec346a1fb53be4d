package fr.relais.licence;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Component;

import fr.relais.directory.Person;

/** The licence side as single sign-on sees it ({@link EntitlementDecisions}): one bean in front of three. */
@Component
public class Licences implements EntitlementDecisions {

    private final SubscriptionDecisions decisions;
    private final Mediacentre mediacentre;
    private final Pseudonyms pseudonyms;

    public Licences(SubscriptionDecisions decisions, Mediacentre mediacentre, Pseudonyms pseudonyms) {
        this.decisions = decisions;
        this.mediacentre = mediacentre;
        this.pseudonyms = pseudonyms;
    }

    @Override
    public EntitlementDecision decide(Requester who, String uai, String publisherId, String resourceId, Instant at) {
        return decisions.decide(who, uai, publisherId, resourceId, at);
    }

    @Override
    public List<Map<String, Object>> resources(Person person, String uai) {
        return mediacentre.resources(person, uai);
    }

    @Override
    public void released(String publisherId, String ido, String personId) {
        pseudonyms.remember(publisherId, ido, personId);
    }
}
