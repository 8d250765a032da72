<?php
/*
 * Plugin Name: Court test server: no outgoing requests
 * Description: A court test server's WordPress makes no HTTP requests of its own (update checks,
 * pingbacks, loopback tests): the test fleet stays on loopback.
 */
add_filter(
    'pre_http_request',
    function () {
        return new WP_Error('http_request_blocked', 'Court test servers make no outgoing requests.');
    },
    1
);
