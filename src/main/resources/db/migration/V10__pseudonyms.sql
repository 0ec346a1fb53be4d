-- Pseudonymous ids (IDO) already handed to a publisher, so that the publisher's check API can name a person
-- the way it knows them; a publisher never resolves another publisher's ids.
CREATE TABLE licence_pseudonym (
    publisher_id VARCHAR(64)  NOT NULL,
    ido          VARCHAR(128) NOT NULL,
    person_id    VARCHAR(128) NOT NULL,
    first_seen   TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (publisher_id, ido)
);
