SELECT /*+ SET_VAR(sort_buffer_size = 16M); */ a FROM t;
