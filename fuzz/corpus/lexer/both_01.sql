  -- nothing here

/* nor here */
