CREATE TABLE public.crates ( -- strata:renamed-from packages
    id integer NOT NULL,
    "Title" text DEFAULT 'a,b' NOT NULL, -- strata:renamed-from name
    n numeric(10, 2) -- strata:renamed-from "Old"
);
CREATE TABLE t2 (x int); -- strata:renamed-from t1
