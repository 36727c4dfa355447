#!/usr/bin/perl
# /api/whoami for the demo: the identity mod_auth_cognito handed to the application, as JSON.
use strict;
use warnings;
use JSON::PP;
binmode STDOUT;
my %out = (
    remote_user => $ENV{REMOTE_USER},
    auth_type   => $ENV{AUTH_TYPE},
);
for my $k (sort keys %ENV) {
    next unless $k =~ /^COGNITO_(.+)$/;
    $out{lc $1} = $ENV{$k};
}
print "Content-Type: application/json\r\n\r\n";
print JSON::PP->new->canonical->pretty->encode(\%out);
