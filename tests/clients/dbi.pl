#!/usr/bin/perl
# Perl DBI (DBD::MariaDB, server-side prepared statements) against the
# gateway: PORT is the first argument.  Prints what a user would look at;
# test_clients.c compares it line by line.
use strict;
use warnings;
use DBI;

my $port = shift or die "usage: dbi.pl PORT\n";
my $dbh = DBI->connect("DBI:MariaDB:host=127.0.0.1;port=$port;database=customer", "app", "app",
                       { RaiseError => 1, PrintError => 0, mariadb_server_prepare => 1 });

# a prepared point select, routed by the primary vindex
my $sth = $dbh->prepare("select cid, name from customer where cid = ?");
for my $id (1, 6, 42) {
    $sth->execute($id);
    my $rows = $sth->fetchall_arrayref;
    print "cid $id: ", (@$rows ? join(",", @{ $rows->[0] }) : "none"), "\n";
}

# a scatter join with merge-sorted rows
my $rows = $dbh->selectall_arrayref(
    "select c.name, o.oid, o.mname from customer c join orders o on c.cid = o.cid order by o.oid");
print "join: ", join(";", map { join(",", @$_) } @$rows), "\n";

# an insert whose cid comes from the customer_seq sequence
$dbh->do("insert into customer(name, balance) values (?, ?)", undef, "perl", 1);
my $id = $dbh->last_insert_id(undef, undef, undef, undef);
my ($name) = $dbh->selectrow_array("select name from customer where cid = ?", undef, $id);
print "inserted cid ", ($id > 0 ? "from the sequence" : "missing"), ": $name\n";

# a rolled-back transaction leaves nothing
$dbh->begin_work;
$dbh->do("update customer set balance = 99 where cid = 1");
$dbh->rollback;
my ($bal) = $dbh->selectrow_array("select balance from customer where cid = 1");
print "balance after rollback: $bal\n";

# an aggregate across shards
my ($n, $sum) = $dbh->selectrow_array("select count(*), sum(balance) from customer");
print "customers: $n, balance: $sum\n";

# errors carry MySQL's code and SQLSTATE
eval { $dbh->do("select * from customer.nosuch") };
print "error: ", $dbh->err, " ", $dbh->state, "\n";
$dbh->do("delete from customer where cid = ?", undef, $id);
$dbh->disconnect;
print "done\n";
