-- Every column that holds a language holds one code of the language table
-- (i18n/languages.py), and nothing else: ko en vi zh-Hans th ne km id uz mn tl.
-- A new language is a row of that table and a migration widening these lists
-- (tests/test_languages_schema.py compares them with the table).

-- Rows written before this held two or three lowercase letters: a tag's first part
-- (`zh` for Chinese, `fil` for Filipino). They become the table's code, or Korean.
UPDATE people SET preferred_language = CASE preferred_language
        WHEN 'zh' THEN 'zh-Hans' WHEN 'fil' THEN 'tl' WHEN 'in' THEN 'id' ELSE 'ko' END
    WHERE preferred_language NOT IN ('ko', 'en', 'vi', 'zh-Hans', 'th', 'ne', 'km', 'id', 'uz', 'mn', 'tl');
UPDATE devices SET locale = CASE locale
        WHEN 'zh' THEN 'zh-Hans' WHEN 'fil' THEN 'tl' WHEN 'in' THEN 'id' ELSE 'ko' END
    WHERE locale NOT IN ('ko', 'en', 'vi', 'zh-Hans', 'th', 'ne', 'km', 'id', 'uz', 'mn', 'tl');
UPDATE notices SET locale = 'ko'
    WHERE locale NOT IN ('ko', 'en', 'vi', 'zh-Hans', 'th', 'ne', 'km', 'id', 'uz', 'mn', 'tl');
UPDATE sms_challenges SET locale = 'ko'
    WHERE locale NOT IN ('ko', 'en', 'vi', 'zh-Hans', 'th', 'ne', 'km', 'id', 'uz', 'mn', 'tl');

ALTER TABLE people DROP CONSTRAINT people_preferred_language_check;
ALTER TABLE people ADD CONSTRAINT people_preferred_language_check CHECK (
    preferred_language IN ('ko', 'en', 'vi', 'zh-Hans', 'th', 'ne', 'km', 'id', 'uz', 'mn', 'tl'));

ALTER TABLE devices DROP CONSTRAINT devices_locale_check;
ALTER TABLE devices ADD CONSTRAINT devices_locale_check CHECK (
    locale IN ('ko', 'en', 'vi', 'zh-Hans', 'th', 'ne', 'km', 'id', 'uz', 'mn', 'tl'));

ALTER TABLE notices ADD CONSTRAINT notices_locale_check CHECK (
    locale IN ('ko', 'en', 'vi', 'zh-Hans', 'th', 'ne', 'km', 'id', 'uz', 'mn', 'tl'));

ALTER TABLE sms_challenges ADD CONSTRAINT sms_challenges_locale_check CHECK (
    locale IN ('ko', 'en', 'vi', 'zh-Hans', 'th', 'ne', 'km', 'id', 'uz', 'mn', 'tl'));
