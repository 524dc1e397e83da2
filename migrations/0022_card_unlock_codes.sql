-- A locked access card unlocked at the kiosk with an SMS code to the holder's
-- mobile phone of record (auth/card_unlock.py). Such a challenge belongs to one
-- card: its code unlocks that card and nothing else (it never signs anyone in).
ALTER TABLE sms_challenges DROP CONSTRAINT sms_challenges_purpose_check;
ALTER TABLE sms_challenges ADD CONSTRAINT sms_challenges_purpose_check
    CHECK (purpose IN ('signup', 'sign_in', 'recovery', 'card_unlock'));
ALTER TABLE sms_challenges ADD COLUMN card_id bigint REFERENCES access_cards (id);
ALTER TABLE sms_challenges ADD CONSTRAINT sms_challenges_card_unlock_card
    CHECK ((purpose = 'card_unlock') = (card_id IS NOT NULL));
-- The daily cap of SMS unlocks per card counts that card's consumed challenges.
CREATE INDEX sms_challenges_card ON sms_challenges (card_id, consumed_at)
    WHERE card_id IS NOT NULL;
