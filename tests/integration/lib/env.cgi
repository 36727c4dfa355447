#!/usr/bin/perl
# Prints the CGI environment as one JSON object (used by the integration tests).
use strict;
use warnings;
use JSON::PP;
binmode STDOUT;
print "Content-Type: application/json\r\n\r\n";
# %ENV values are bytes; encode without ->utf8 and print raw so UTF-8 passes through unchanged.
print JSON::PP->new->canonical->encode({ %ENV }), "\n";
