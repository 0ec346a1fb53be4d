-- Publishers' subscriptions (GAR "abonnements"), each owned by the publisher connector that created it.
CREATE TABLE licence_subscription (
    publisher_id      VARCHAR(64)   NOT NULL,
    id                VARCHAR(45)   NOT NULL,
    distributor_id    VARCHAR(26)   NOT NULL,
    resource_id       VARCHAR(1024) NOT NULL,
    resource_id_type  VARCHAR(32)   NOT NULL,
    resource_label    VARCHAR(255)  NOT NULL,
    comment           VARCHAR(255),
    valid_from        TIMESTAMP WITH TIME ZONE NOT NULL,
    valid_until       TIMESTAMP WITH TIME ZONE,
    school_year_end   VARCHAR(9),
    uai_nature        VARCHAR(16),
    transferable      BOOLEAN       NOT NULL,
    assignment_type   VARCHAR(8)    NOT NULL,
    nb_teacher        INT,
    nb_pupil          INT,
    nb_librarian      INT,
    nb_other          INT,
    nb_global         INT,
    project_code      VARCHAR(50),
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (publisher_id, id)
);

CREATE TABLE licence_subscription_school (
    publisher_id    VARCHAR(64)  NOT NULL,
    subscription_id VARCHAR(45)  NOT NULL,
    uai             VARCHAR(8)   NOT NULL,
    PRIMARY KEY (publisher_id, subscription_id, uai),
    FOREIGN KEY (publisher_id, subscription_id) REFERENCES licence_subscription (publisher_id, id) ON DELETE CASCADE
);
CREATE INDEX licence_subscription_school_uai ON licence_subscription_school (uai);

CREATE TABLE licence_subscription_audience (
    publisher_id    VARCHAR(64)  NOT NULL,
    subscription_id VARCHAR(45)  NOT NULL,
    audience        VARCHAR(32)  NOT NULL,
    PRIMARY KEY (publisher_id, subscription_id, audience),
    FOREIGN KEY (publisher_id, subscription_id) REFERENCES licence_subscription (publisher_id, id) ON DELETE CASCADE
);
