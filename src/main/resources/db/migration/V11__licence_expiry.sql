-- Subscriptions already announced as ending soon (one warning each).
CREATE TABLE licence_expiry_warning (
    publisher_id    VARCHAR(64)  NOT NULL,
    subscription_id VARCHAR(45)  NOT NULL,
    valid_until     TIMESTAMP WITH TIME ZONE NOT NULL,
    warned_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (publisher_id, subscription_id, valid_until)
);
