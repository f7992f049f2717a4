-- schema_pg_kinds.sql: one of every kind of object strata's PostgreSQL schema
-- model handles (tests/cli/dump.bats). Needs no extension beyond what
-- PostgreSQL 15 ships built in (btree_gist is not used: the EXCLUDE
-- constraint is on a range with gist's own operator class).
CREATE SCHEMA app;
COMMENT ON SCHEMA app IS 'the application''s own schema';

CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
COMMENT ON TYPE app.mood IS 'how it feels';
CREATE DOMAIN app.posint AS integer DEFAULT 1 NOT NULL CONSTRAINT posint_positive CHECK (VALUE > 0);
ALTER DOMAIN app.posint ADD CONSTRAINT posint_small CHECK (VALUE < 1000000) NOT VALID;
COMMENT ON DOMAIN app.posint IS 'a positive integer';
CREATE DOMAIN app.label AS text COLLATE "C";
CREATE TYPE app.pair AS (a integer, b text COLLATE "C");
CREATE TYPE app.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);

CREATE SEQUENCE app.ticket_seq AS integer START WITH 100 INCREMENT BY 5 MINVALUE 100 MAXVALUE 100000 CACHE 2 CYCLE;
COMMENT ON SEQUENCE app.ticket_seq IS 'ticket numbers';

CREATE TABLE app.users (
    id bigint GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 2),
    name text COLLATE "C" NOT NULL,
    email text NOT NULL DEFAULT '',
    mood app.mood DEFAULT 'ok',
    score app.posint,
    pairs app.pair[],
    name_upper text GENERATED ALWAYS AS (upper(name)) STORED,
    ticket integer DEFAULT nextval('app.ticket_seq'),
    tenant text NOT NULL DEFAULT current_user,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_email_key UNIQUE (email) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT users_name_check CHECK (length(name) > 0)
) WITH (fillfactor = 90);
ALTER SEQUENCE app.ticket_seq OWNED BY app.users.ticket;
COMMENT ON TABLE app.users IS 'people';
COMMENT ON COLUMN app.users.email IS 'where to write';
COMMENT ON CONSTRAINT users_name_check ON app.users IS 'no empty names';
ALTER TABLE app.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.users FORCE ROW LEVEL SECURITY;
CREATE POLICY users_own ON app.users AS PERMISSIVE FOR SELECT TO PUBLIC USING (tenant = current_user);
CREATE POLICY users_insert ON app.users AS RESTRICTIVE FOR INSERT WITH CHECK (length(email) > 3);
COMMENT ON POLICY users_own ON app.users IS 'each sees their own';

CREATE TABLE app.posts (
    id serial PRIMARY KEY,
    user_id bigint NOT NULL,
    title varchar(200) NOT NULL,
    body text,
    during tstzrange,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT posts_user_fk FOREIGN KEY (user_id) REFERENCES app.users (id) ON DELETE CASCADE DEFERRABLE,
    CONSTRAINT posts_no_overlap EXCLUDE USING gist (during WITH &&)
);
ALTER TABLE app.posts ADD CONSTRAINT posts_title_check CHECK (title <> '') NOT VALID;
CREATE INDEX posts_recent ON app.posts (created_at DESC) WHERE body IS NOT NULL;
CREATE INDEX posts_lower_title ON app.posts (lower(title)) INCLUDE (user_id);
CREATE UNIQUE INDEX posts_title_user ON app.posts (title, user_id) NULLS NOT DISTINCT;
COMMENT ON INDEX app.posts_recent IS 'recent posts with a body';

-- partitioning, and an index on the partitioned table
CREATE TABLE app.events (
    id bigint NOT NULL,
    at date NOT NULL,
    kind text DEFAULT 'info',
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE app.events_rest PARTITION OF app.events DEFAULT;
CREATE INDEX events_kind ON app.events (kind);

-- inheritance
CREATE TABLE app.animals (name text NOT NULL, legs integer DEFAULT 4, CHECK (legs >= 0));
-- a child's own constraint that the parent's merges into (it must be created first)
CREATE TABLE app.birds (wingspan numeric(5,2), CONSTRAINT animals_legs_check CHECK (legs >= 0)) INHERITS (app.animals);
ALTER TABLE ONLY app.birds ALTER COLUMN legs SET DEFAULT 2;

CREATE UNLOGGED TABLE app.cache (k text PRIMARY KEY, v jsonb);

CREATE VIEW app.user_names AS SELECT id, name FROM app.users WHERE id > 0;
COMMENT ON VIEW app.user_names IS 'names only';
COMMENT ON COLUMN app.user_names.name IS 'the name';
CREATE VIEW app.checked_users WITH (security_barrier = true) AS SELECT id, email FROM app.users WHERE id > 10
    WITH LOCAL CHECK OPTION;
CREATE MATERIALIZED VIEW app.post_counts AS SELECT user_id, count(*) AS n FROM app.posts GROUP BY user_id;
CREATE UNIQUE INDEX post_counts_user ON app.post_counts (user_id);
COMMENT ON MATERIALIZED VIEW app.post_counts IS 'posts per user';

CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_at := now();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION app.touch() IS 'sets created_at';
CREATE FUNCTION app.user_count(min_id bigint DEFAULT 0) RETURNS bigint LANGUAGE sql STABLE
    AS $$ SELECT count(*) FROM app.users WHERE id >= min_id $$;
CREATE FUNCTION app.add(a integer, b integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN a + b;
CREATE PROCEDURE app.reset_cache() LANGUAGE sql AS $$ DELETE FROM app.cache $$;
COMMENT ON PROCEDURE app.reset_cache() IS 'empties the cache';
CREATE AGGREGATE app.sum_sq(integer) (SFUNC = int4pl, STYPE = integer, INITCOND = '0');
COMMENT ON AGGREGATE app.sum_sq(integer) IS 'a sum';

CREATE TRIGGER posts_touch BEFORE INSERT OR UPDATE OF title ON app.posts
    FOR EACH ROW WHEN (NEW.title IS NOT NULL) EXECUTE FUNCTION app.touch();
COMMENT ON TRIGGER posts_touch ON app.posts IS 'keeps created_at fresh';
CREATE TRIGGER posts_touch_off BEFORE DELETE ON app.posts FOR EACH ROW EXECUTE FUNCTION app.touch();
ALTER TABLE app.posts DISABLE TRIGGER posts_touch_off;

CREATE RULE cache_no_delete AS ON DELETE TO app.cache WHERE old.k = 'keep' DO INSTEAD NOTHING;
COMMENT ON RULE cache_no_delete ON app.cache IS 'keep keep';

-- a table in public, whose default calls a function of app
CREATE TABLE public.things (
    id integer PRIMARY KEY,
    total integer DEFAULT app.add(1, 2),
    owner_id bigint REFERENCES app.users (id)
);
