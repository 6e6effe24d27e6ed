# director's echo service for a client with perl (no install: director writes this file to
# the service's folder). The protocol of src/local/protocol.ts, on every port given:
#   perl echo-perl.pl --bind <address> --idle-ms <ms> <port>...
# Only modules of Debian's perl-base (every Debian has it). Twins: echo-node.cjs, echo-python.py.
use strict;
use warnings;
use Errno qw(EAGAIN EWOULDBLOCK EINTR EMFILE ENFILE ENOBUFS ENOMEM);
use IO::Socket::INET;
use POSIX ();
use Socket qw(IPPROTO_TCP TCP_NODELAY);

my $MAX_LINE = 4096;
my $HIGH_WATER = 64 * 1024;
my $LINGER_S = 1.0;
my $ECHO_LIMIT = 80;
my $SOCKET = eval { require IO::Socket::IP; 1 } ? 'IO::Socket::IP' : 'IO::Socket::INET';
# No Time::HiRes in perl-base: POSIX::times counts real time in clock ticks.
my $HZ = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;
sub now { return (POSIX::times())[0] / $HZ }

my ($bind, $idle_ms, @ports) = ('127.0.0.1', 60000);
while (@ARGV) {
  my $a = shift @ARGV;
  if ($a eq '--bind' && @ARGV) { $bind = shift @ARGV }
  elsif ($a eq '--idle-ms' && @ARGV) { $idle_ms = shift @ARGV }
  elsif ($a =~ /^\d+$/ && $a >= 1 && $a <= 65535) { push @ports, $a }
  else { @ports = (); last }
}
if (!@ports || $idle_ms !~ /^\d+$/ || $idle_ms <= 0) {
  print STDERR "usage: echo-perl.pl --bind <address> --idle-ms <ms> <port>...\n";
  exit 2;
}
my $IDLE_S = $idle_ms / 1000;
my $started = now();
my $requests = 0;
my %listeners;    # fileno => { sock, port }
my %conns;        # fileno => connection
my ($accept_again, $exit_at);

$SIG{TERM} = sub { exit 0 };
$SIG{PIPE} = 'IGNORE';
$| = 1;

for my $port (@ports) {
  my $s = $SOCKET->new(LocalHost => $bind, LocalPort => $port, Proto => 'tcp', Listen => 511, ReuseAddr => 1);
  if (!$s) { print STDERR "echo: port $port: $!\n"; next }
  $s->blocking(0);
  $listeners{fileno $s} = { sock => $s, port => $port };
  print "echo: listening on $bind:$port (perl $])\n";
}
exit 1 unless %listeners;

sub printable {
  my ($text) = @_;
  my $cut = substr($text, 0, $ECHO_LIMIT);
  my $out = '';
  for my $ch (split //, $cut) {
    my $code = ord $ch;
    if ($ch eq '\\') { $out .= '\\\\' }
    elsif ($code >= 0x20 && $code < 0x7f) { $out .= $ch }
    else { $out .= sprintf('\\x%02x', $code) }
  }
  return length($cut) < length($text) ? "$out..." : $out;
}

sub rss_mb {
  open(my $f, '<', '/proc/self/status') or return 0;
  while (<$f>) { return sprintf('%.1f', $1 / 1024) + 0 if /^VmRSS:\s+(\d+)/ }
  return 0;
}

sub address {
  my ($sock) = @_;
  my $host = $sock->sockhost;
  $host =~ s/^::ffff:(\d+\.\d+\.\d+\.\d+)$/$1/;
  return ($host =~ /:/ ? "[$host]" : $host) . ':' . $sock->sockport;
}

sub drop {
  my ($c) = @_;
  delete $conns{$c->{fd}};
  close $c->{sock};
}

sub send_line {
  my ($c, $text) = @_;
  $c->{out} .= "$text\n";
  $c->{paused} = 1 if length($c->{out}) > $HIGH_WATER;
}

# Once closing, requests are no longer read: the last words go out, our side is shut, and what
# the peer still sends is read and dropped until it closes (or for $LINGER_S), so that the
# last words are not lost to a reset.
sub finish {
  my ($c, $text) = @_;
  return if $c->{closing};
  $c->{closing} = 1;
  $c->{pending} = '';
  $c->{deadline} = now() + $LINGER_S;
  send_line($c, $text);
}

sub answer { my ($c, $text) = @_; $requests++; send_line($c, $text) }

sub shutdown_port {
  my ($c) = @_;
  my $lst = $c->{listener};
  delete $listeners{fileno $lst->{sock}};
  close $lst->{sock};
  for my $other (values %conns) { drop($other) if $other != $c && $other->{listener} == $lst }
  finish($c, 'Client ' . address($c->{sock}) . ' shutting down.');
  $exit_at = now() + $LINGER_S unless %listeners;
}

# Answers one request; false once its port is shutting down.
sub request {
  my ($c, $line) = @_;
  (my $word = lc $line) =~ s/^[\t\n\x0b\x0c\r \xa0]+|[\t\n\x0b\x0c\r \xa0]+$//g;
  if ($word eq 'ping') { answer($c, 'Echo sent from ' . address($c->{sock})) }
  elsif ($word eq 'stat') {
    my $up = sprintf('%.1f', now() - $started) + 0;
    answer($c, sprintf('{"service":"director-echo","interpreter":"perl","port":%d,"pid":%d,"uptimeSec":%s,"memoryMB":%s,"requests":%d}',
      $c->{listener}{port}, $$, $up, rss_mb(), $requests));
  }
  elsif ($word eq '') { answer($c, 'ERR empty request') }
  elsif ($word eq 'shutdown') { $requests++; shutdown_port($c); return 0 }
  else { answer($c, 'ERR unknown command: ' . printable($line)) }
  return 1;
}

sub overflow { my ($c) = @_; $requests++; finish($c, "ERR line too long (over $MAX_LINE bytes)") }

sub received {
  my ($c, $data, $t) = @_;
  $c->{idle_at} = $t + $IDLE_S;
  return if $c->{closing};
  my $start = 0;
  my $ended = 0;
  while ((my $nl = index($data, "\n", $start)) != -1) {
    return overflow($c) if length($c->{pending}) + $nl - $start > $MAX_LINE;
    my $line = $c->{pending} . substr($data, $start, $nl - $start);
    $line =~ s/\r$//;
    $c->{pending} = '';
    $start = $nl + 1;
    $ended = 1;
    return unless request($c, $line);
  }
  return overflow($c) if length($c->{pending}) + length($data) - $start > $MAX_LINE;
  $c->{pending} .= substr($data, $start);
  # A line once begun must end within the idle timeout; each finished line restarts that clock.
  $c->{line_at} = undef if $c->{pending} eq '' || $ended;
  $c->{line_at} = $t + $IDLE_S if $c->{pending} ne '' && !defined $c->{line_at};
}

sub readable {
  my ($c, $t) = @_;
  my $n = sysread($c->{sock}, my $data, 65536);
  if (!defined $n) { return if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR; return drop($c) }
  return received($c, $data, $t) if $n > 0;
  # The peer shut its side: what was complete is answered, an unfinished line dropped.
  $c->{eof} = 1;
  if (!$c->{closing}) { $c->{closing} = 1; $c->{pending} = ''; $c->{deadline} = $t + $LINGER_S }
  drop($c) if $c->{out} eq '';
}

sub writable {
  my ($c, $t) = @_;
  my $n = syswrite($c->{sock}, $c->{out});
  if (!defined $n) { return if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR; return drop($c) }
  substr($c->{out}, 0, $n) = '';
  $c->{idle_at} = $t + $IDLE_S;
  return if $c->{out} ne '';
  if ($c->{closing}) {
    if (!$c->{shut}) { $c->{shut} = 1; shutdown($c->{sock}, 1) or return drop($c) }
    return drop($c) if $c->{eof};
  }
  $c->{paused} = 0;
}

sub accept_from {
  my ($lst, $t) = @_;
  for (1 .. 64) {
    my $sock = $lst->{sock}->accept;
    if (!$sock) {
      # Out of descriptors: shed, and stop accepting for a moment rather than spin.
      $accept_again = $t + 0.1 if $! == EMFILE || $! == ENFILE || $! == ENOBUFS || $! == ENOMEM;
      return;
    }
    $sock->blocking(0);
    setsockopt($sock, IPPROTO_TCP, TCP_NODELAY, 1);
    $conns{fileno $sock} = { fd => fileno $sock, sock => $sock, listener => $lst, pending => '', out => '',
      idle_at => $t + $IDLE_S, closing => 0, shut => 0, paused => 0, eof => 0 };
  }
}

# Acts on every deadline that has passed; returns the time until the next one.
sub timers {
  my ($t) = @_;
  my $wait = 1;
  if (defined $accept_again) {
    if ($t >= $accept_again) { undef $accept_again } else { $wait = $accept_again - $t }
  }
  for my $c (values %conns) {
    if (defined $c->{deadline}) {
      if ($t >= $c->{deadline}) { drop($c) } elsif ($c->{deadline} - $t < $wait) { $wait = $c->{deadline} - $t }
    }
    # Idle wins a tie with the line clock, as in the local service.
    elsif ($t >= $c->{idle_at}) { finish($c, 'ERR idle timeout') }
    elsif (defined $c->{line_at} && $t >= $c->{line_at}) { finish($c, 'ERR line not finished within the idle timeout') }
    else {
      my $next = $c->{idle_at};
      $next = $c->{line_at} if defined $c->{line_at} && $c->{line_at} < $next;
      $wait = $next - $t if $next - $t < $wait;
    }
  }
  return $wait < 0 ? 0 : $wait;
}

# After the last port's shutdown: go once its reply is out, or after $LINGER_S.
while (!defined $exit_at || (%conns && now() < $exit_at)) {
  my $wait = timers(now());
  $wait = 0.01 if $wait < 0.01;
  my ($rin, $win) = ('', '');
  unless (defined $accept_again) { vec($rin, $_, 1) = 1 for keys %listeners }
  for my $c (values %conns) {
    # A closing connection is read (and the bytes dropped) until the peer closes.
    vec($rin, $c->{fd}, 1) = 1 if !$c->{eof} && ($c->{closing} || !$c->{paused});
    vec($win, $c->{fd}, 1) = 1 if $c->{out} ne '';
  }
  my $n = select(my $rout = $rin, my $wout = $win, undef, $wait);
  next if $n <= 0;
  my $t = now();
  for my $fd (keys %listeners) { accept_from($listeners{$fd}, $t) if vec($rout, $fd, 1) && $listeners{$fd} }
  for my $c (values %conns) {
    my $fd = $c->{fd};
    readable($c, $t) if vec($rout, $fd, 1) && $conns{$fd};
    writable($c, $t) if vec($wout, $fd, 1) && $conns{$fd} && $c->{out} ne '';
  }
}
exit 0;
