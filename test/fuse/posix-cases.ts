// A table of POSIX syscall cases in the groups of the usual conformance suites (mkdir, rmdir, unlink,
// rename, open, truncate, ftruncate, utimensat, chmod, chown, link, symlink, mkfifo), written for
// this repository because no such suite can be installed here. Each case is a bash script run as
// root in a fresh empty folder (mode 0777) as its working directory; it passes when it exits 0
// (`ok`) or fails with the expected errno (the error text coreutils and perl print).
// Helpers: `as U cmd…` runs cmd as uid and gid U with no other groups; `asg U G cmd…` with group G
// too; `t X f` is f's atime/mtime/ctime (X = X/Y/Z) in ns; `newer A B` says B is later than A;
// `sys 'perl'` runs a perl statement that dies with $! (the errno text) when it fails.

export type Expect = 'ok' | 'EACCES' | 'EPERM' | 'EEXIST' | 'ENOENT' | 'ENOTDIR' | 'EISDIR' | 'ENOTEMPTY' | 'EINVAL' | 'ELOOP' | 'ENAMETOOLONG';

export interface PosixCase {
  group: string;
  name: string;
  script: string;
  expect: Expect;
}

export const ERRNO_TEXT: Record<Exclude<Expect, 'ok'>, string> = {
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EEXIST: 'File exists',
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ENOTEMPTY: 'Directory not empty',
  EINVAL: 'Invalid argument',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
};

export const PRELUDE = `
umask 022
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --clear-groups "$@"; }
asg() { local u=$1 g=$2; shift 2; setpriv --reuid="$u" --regid="$u" --groups="$g" "$@"; }
t() { stat -c "%.9$1" "$2"; }
newer() { [[ "$2" > "$1" ]]; }
sys() { perl -e 'use Fcntl; use POSIX; '"$1"' or die "$!\\n"'; }
long=$(printf 'n%.0s' {1..256})
`;

const c = (group: string, name: string, script: string, expect: Expect = 'ok'): PosixCase => ({ group, name, script, expect });

export const POSIX_CASES: readonly PosixCase[] = [
  // mkdir
  c('mkdir', 'mode is the requested one less the umask', 'mkdir -m 0751 d && [ "$(stat -c %a d)" = 751 ] && umask 077 && mkdir e && [ "$(stat -c %a e)" = 700 ]'),
  c('mkdir', 'setuid, setgid and sticky bits are kept', 'umask 0 && mkdir -m 1777 d && mkdir -m 2755 e && [ "$(stat -c %a d %a e | tr "\\n" " ")" = "1777 2755 " ]'),
  c('mkdir', 'the caller owns the new folder', 'as 1000 mkdir d && [ "$(stat -c "%u %g" d)" = "1000 1000" ]'),
  c('mkdir', 'in a setgid folder: its group, and setgid too', 'mkdir -m 2777 p && chgrp 99 p && as 1000 mkdir p/d && [ "$(stat -c "%g %A" p/d)" = "99 drwxr-sr-x" ]'),
  c('mkdir', 'times of the new folder are equal and current', 'a=$(date +%s) && mkdir d && [ "$(t X d)" = "$(t Y d)" ] && [ "$(t Y d)" = "$(t Z d)" ] && [ "$(stat -c %Y d)" -ge "$a" ]'),
  c('mkdir', "the parent's mtime and ctime change", 'mkdir p && m=$(t Y p) && c=$(t Z p) && mkdir p/d && newer "$m" "$(t Y p)" && newer "$c" "$(t Z p)"'),
  c('mkdir', 'EEXIST on an existing name', 'mkdir d && mkdir d', 'EEXIST'),
  c('mkdir', 'EEXIST on an existing file', 'touch f && mkdir f', 'EEXIST'),
  c('mkdir', 'ENOENT when the parent is missing', 'mkdir a/b', 'ENOENT'),
  c('mkdir', 'ENOTDIR when a path prefix is a file', 'touch f && mkdir f/d', 'ENOTDIR'),
  c('mkdir', 'EACCES without write permission on the parent', 'mkdir -m 0755 p && as 1000 mkdir p/d', 'EACCES'),
  c('mkdir', 'EACCES without search permission on the parent', 'mkdir -m 0766 p && as 1000 mkdir p/d', 'EACCES'),
  c('mkdir', 'ENAMETOOLONG for a 256-byte name', 'mkdir "$long"', 'ENAMETOOLONG'),

  // rmdir
  c('rmdir', 'removes an empty folder', 'mkdir d && rmdir d && [ ! -e d ]'),
  c('rmdir', "the parent's mtime and ctime change", 'mkdir -p p/d && m=$(t Y p) && c=$(t Z p) && rmdir p/d && newer "$m" "$(t Y p)" && newer "$c" "$(t Z p)"'),
  c('rmdir', 'ENOTEMPTY on a folder with entries', 'mkdir d && touch d/f && rmdir d', 'ENOTEMPTY'),
  c('rmdir', 'ENOTDIR on a file', 'touch f && rmdir f', 'ENOTDIR'),
  c('rmdir', 'ENOENT on a missing name', 'rmdir d', 'ENOENT'),
  c('rmdir', 'EINVAL on "."', 'mkdir d && sys \'rmdir("d/.")\'', 'EINVAL'),
  c('rmdir', 'EACCES without write permission on the parent', 'mkdir -p p/d && chmod 0755 p && as 1000 rmdir p/d', 'EACCES'),
  c('rmdir', "EPERM on another user's folder in a sticky folder", 'mkdir -m 1777 p && as 1000 mkdir p/d && as 1001 rmdir p/d', 'EPERM'),
  c('rmdir', "the sticky folder's owner may remove it", 'mkdir -m 1777 p && chown 1001 p && as 1000 mkdir p/d && as 1001 rmdir p/d'),

  // unlink
  c('unlink', 'removes a file', 'touch f && sys \'unlink("f")\' && [ ! -e f ]'),
  c('unlink', 'removes a symlink, not its target', 'touch f && ln -s f l && sys \'unlink("l")\' && [ -e f ] && [ ! -L l ]'),
  c('unlink', 'removes a FIFO', 'mkfifo p && sys \'unlink("p")\' && [ ! -e p ]'),
  c('unlink', "the parent's mtime and ctime change", 'mkdir p && touch p/f && m=$(t Y p) && c=$(t Z p) && rm p/f && newer "$m" "$(t Y p)" && newer "$c" "$(t Z p)"'),
  c('unlink', 'an open file stays readable after unlink', 'echo data > f && exec 3<f && rm f && [ "$(cat <&3)" = data ]'),
  c('unlink', 'ENOENT on a missing name', 'sys \'unlink("f")\'', 'ENOENT'),
  c('unlink', 'EISDIR on a folder', 'mkdir d && sys \'unlink("d")\'', 'EISDIR'),
  c('unlink', 'ENOTDIR when a path prefix is a file', 'touch f && sys \'unlink("f/g")\'', 'ENOTDIR'),
  c('unlink', 'EACCES without write permission on the parent', 'mkdir p && touch p/f && chmod 0755 p && as 1000 rm -f p/f', 'EACCES'),
  c('unlink', "EPERM on another user's file in a sticky folder", 'mkdir -m 1777 p && as 1000 touch p/f && as 1001 rm -f p/f', 'EPERM'),
  c('unlink', 'the file owner may remove it from a sticky folder', 'mkdir -m 1777 p && as 1000 touch p/f && as 1000 rm p/f'),

  // rename
  c('rename', 'renames a file, keeping content and mode', 'echo x > a && chmod 0640 a && mv a b && [ "$(cat b)" = x ] && [ "$(stat -c %a b)" = 640 ] && [ ! -e a ]'),
  c('rename', 'renames a folder with its entries', 'mkdir -p a/s && touch a/s/f && mv a b && [ -f b/s/f ]'),
  c('rename', 'replaces an existing file', 'echo new > a && echo old > b && sys \'rename("a","b")\' && [ "$(cat b)" = new ] && [ ! -e a ]'),
  c('rename', 'replaces an empty folder', 'mkdir a b && touch a/f && sys \'rename("a","b")\' && [ -f b/f ]'),
  c('rename', 'moves into another folder', 'mkdir d && echo x > f && mv f d/g && [ "$(cat d/g)" = x ]'),
  c('rename', 'a renamed symlink still points to its target', 'touch f && ln -s f l && mv l m && [ "$(readlink m)" = f ]'),
  c('rename', 'keeps owner and group', 'as 1000 touch f && mv f g && [ "$(stat -c "%u %g" g)" = "1000 1000" ]'),
  c('rename', "the renamed file's ctime changes", 'touch a && c=$(t Z a) && mv a b && newer "$c" "$(t Z b)"'),
  c('rename', "both parents' mtime changes", 'mkdir s d && touch s/f && ms=$(t Y s) && md=$(t Y d) && mv s/f d/f && newer "$ms" "$(t Y s)" && newer "$md" "$(t Y d)"'),
  c('rename', 'ENOTEMPTY onto a folder with entries', 'mkdir a b && touch b/f && sys \'rename("a","b")\'', 'ENOTEMPTY'),
  c('rename', 'EISDIR for a file onto a folder', 'touch a && mkdir b && sys \'rename("a","b")\'', 'EISDIR'),
  c('rename', 'ENOTDIR for a folder onto a file', 'mkdir a && touch b && sys \'rename("a","b")\'', 'ENOTDIR'),
  c('rename', 'EINVAL for a folder into itself', 'mkdir a && sys \'rename("a","a/b")\'', 'EINVAL'),
  c('rename', 'ENOENT for a missing source', 'sys \'rename("a","b")\'', 'ENOENT'),
  c('rename', 'EACCES without write permission on the source folder', 'mkdir -m 0755 s && touch s/f && mkdir -m 0777 d && as 1000 mv s/f d/f', 'EACCES'),
  c('rename', "EPERM for another user's file out of a sticky folder", 'mkdir -m 1777 s && as 1000 touch s/f && as 1001 mv s/f g', 'EPERM'),

  // open
  c('open', 'O_CREAT: the mode less the umask', 'sys \'sysopen(F, "f", O_CREAT|O_WRONLY, 0640)\' && [ "$(stat -c %a f)" = 640 ] && umask 077 && sys \'sysopen(F, "g", O_CREAT|O_WRONLY, 0666)\' && [ "$(stat -c %a g)" = 600 ]'),
  c('open', 'O_CREAT: the caller owns the file', 'as 1000 touch f && [ "$(stat -c "%u %g" f)" = "1000 1000" ]'),
  c('open', 'O_CREAT in a setgid folder: the folder\'s group', 'mkdir -m 2777 p && chgrp 99 p && as 1000 touch p/f && [ "$(stat -c %g p/f)" = 99 ]'),
  c('open', "O_CREAT: the parent's mtime and ctime change", 'mkdir p && m=$(t Y p) && c=$(t Z p) && touch p/f && newer "$m" "$(t Y p)" && newer "$c" "$(t Z p)"'),
  c('open', 'O_CREAT on an existing file keeps its mode', 'touch f && chmod 0600 f && sys \'sysopen(F, "f", O_CREAT|O_WRONLY, 0777)\' && [ "$(stat -c %a f)" = 600 ]'),
  c('open', 'O_TRUNC empties the file and changes mtime and ctime', 'echo data > f && m=$(t Y f) && c=$(t Z f) && sys \'sysopen(F, "f", O_WRONLY|O_TRUNC)\' && [ "$(stat -c %s f)" = 0 ] && newer "$m" "$(t Y f)" && newer "$c" "$(t Z f)"'),
  c('open', 'EEXIST with O_CREAT|O_EXCL on an existing file', 'touch f && sys \'sysopen(F, "f", O_CREAT|O_EXCL|O_WRONLY, 0644)\'', 'EEXIST'),
  c('open', 'ENOENT without O_CREAT', 'sys \'sysopen(F, "f", O_RDONLY)\'', 'ENOENT'),
  c('open', 'EISDIR when opening a folder for writing', 'mkdir d && sys \'sysopen(F, "d", O_WRONLY)\'', 'EISDIR'),
  c('open', 'ENOTDIR when a path prefix is a file', 'touch f && sys \'sysopen(F, "f/g", O_RDONLY)\'', 'ENOTDIR'),
  c('open', 'ELOOP with O_NOFOLLOW on a symlink', 'touch f && ln -s f l && sys \'sysopen(F, "l", O_RDONLY|O_NOFOLLOW)\'', 'ELOOP'),
  c('open', 'EACCES reading a file without read permission', 'echo x > f && chmod 0640 f && as 1000 cat f', 'EACCES'),
  c('open', 'EACCES writing a file without write permission', 'echo x > f && chmod 0644 f && as 1000 sh -c "echo y > f"', 'EACCES'),
  c('open', 'the owner reads a 0400 file; others may not', 'as 1000 sh -c "echo x > f && chmod 0400 f && cat f" >/dev/null && as 1001 cat f', 'EACCES'),
  c('open', 'EACCES creating in a folder without write permission', 'mkdir -m 0755 p && as 1000 touch p/f', 'EACCES'),
  c('open', 'EACCES without search permission on a folder', 'mkdir -m 0700 p && touch p/f && chmod 0666 p/f && as 1000 cat p/f', 'EACCES'),
  c('open', 'a FIFO carries data between a reader and a writer', 'mkfifo p && (echo through > p &) && [ "$(cat p)" = through ]'),
  c('open', 'ENAMETOOLONG for a 256-byte name', 'touch "$long"', 'ENAMETOOLONG'),

  // truncate (the path call)
  c('truncate', 'extends with zeros', 'printf ab > f && sys \'truncate("f", 5)\' && [ "$(stat -c %s f)" = 5 ] && [ "$(od -An -c f | tr -d " ")" = "ab\\0\\0\\0" ]'),
  c('truncate', 'shortens', 'printf abcdef > f && sys \'truncate("f", 2)\' && [ "$(cat f)" = ab ]'),
  c('truncate', 'changes mtime and ctime', 'printf abc > f && m=$(t Y f) && c=$(t Z f) && sys \'truncate("f", 1)\' && newer "$m" "$(t Y f)" && newer "$c" "$(t Z f)"'),
  c('truncate', 'EACCES without write permission', 'printf abc > f && chmod 0644 f && as 1000 perl -e \'truncate("f", 1) or die "$!\\n"\'', 'EACCES'),
  c('truncate', 'EISDIR on a folder', 'mkdir d && sys \'truncate("d", 1)\'', 'EISDIR'),
  c('truncate', 'ENOENT on a missing file', 'sys \'truncate("f", 1)\'', 'ENOENT'),
  c('truncate', 'EINVAL for a negative length', 'touch f && sys \'truncate("f", -1)\'', 'EINVAL'),
  c('truncate', 'ENOTDIR when a path prefix is a file', 'touch f && sys \'truncate("f/g", 1)\'', 'ENOTDIR'),

  // ftruncate
  c('ftruncate', 'extends through an open descriptor', 'printf ab > f && sys \'open(F, "+<", "f") && truncate(F, 4)\' && [ "$(stat -c %s f)" = 4 ]'),
  c('ftruncate', 'shortens through an open descriptor', 'printf abcdef > f && sys \'open(F, "+<", "f") && truncate(F, 3)\' && [ "$(cat f)" = abc ]'),
  c('ftruncate', 'changes mtime and ctime', 'printf abc > f && m=$(t Y f) && c=$(t Z f) && sys \'open(F, "+<", "f") && truncate(F, 1)\' && newer "$m" "$(t Y f)" && newer "$c" "$(t Z f)"'),
  c('ftruncate', 'permission is checked at open, not at ftruncate', 'as 1000 touch f && as 1000 perl -e \'open(F, "+<", "f") or die; chmod(0, "f"); truncate(F, 7) or die "$!\\n"\' && [ "$(stat -c %s f)" = 7 ]'),
  c('ftruncate', 'EINVAL on a descriptor open for reading only', 'printf abc > f && sys \'open(F, "<", "f") && truncate(F, 1)\'', 'EINVAL'),
  c('ftruncate', 'EINVAL for a negative length', 'touch f && sys \'open(F, "+<", "f") && truncate(F, -1)\'', 'EINVAL'),

  // utimensat
  c('utimensat', 'sets both times to the nanosecond', 'touch f && touch -d "2001-02-03 04:05:06.123456789" f && [ "$(t X f) $(t Y f)" = "981173106.123456789 981173106.123456789" ]'),
  c('utimensat', 'UTIME_NOW sets the current time', 'touch -d 2001-01-01 f && a=$(date +%s) && touch f && [ "$(stat -c %Y f)" -ge "$a" ] && [ "$(stat -c %X f)" -ge "$a" ]'),
  c('utimensat', 'UTIME_OMIT for atime: mtime alone (touch -m)', 'touch -d 2001-01-01 f && a=$(t X f) && touch -m -d 2002-02-02 f && [ "$(t X f)" = "$a" ] && [ "$(stat -c %Y f)" = "$(date -d 2002-02-02 +%s)" ]'),
  c('utimensat', 'UTIME_OMIT for mtime: atime alone (touch -a)', 'touch -d 2001-01-01 f && m=$(t Y f) && touch -a -d 2002-02-02 f && [ "$(t Y f)" = "$m" ] && [ "$(stat -c %X f)" = "$(date -d 2002-02-02 +%s)" ]'),
  c('utimensat', 'changes ctime', 'touch f && c=$(t Z f) && touch -d 2001-01-01 f && newer "$c" "$(t Z f)"'),
  c('utimensat', 'times before 1970', 'touch -d "1960-06-01 12:00:00.5" f && [ "$(t Y f)" = "$(($(date -d "1960-06-01 12:00:00" +%s) + 1)).500000000" ]'),
  c('utimensat', 'on a folder', 'mkdir d && touch -d 2001-01-01 d && [ "$(stat -c %Y d)" = "$(date -d 2001-01-01 +%s)" ]'),
  c('utimensat', "on a symlink itself (AT_SYMLINK_NOFOLLOW), not its target", 'touch f && ln -s f l && touch -h -d 2001-01-01 l && [ "$(stat -c %Y l)" = "$(date -d 2001-01-01 +%s)" ] && [ "$(stat -c %Y f)" != "$(date -d 2001-01-01 +%s)" ]'),
  c('utimensat', 'the owner sets explicit times', 'as 1000 touch f && as 1000 touch -d 2001-01-01 f'),
  c('utimensat', 'UTIME_NOW by a user with write permission', 'touch -d 2001-01-01 f && chmod 0666 f && as 1000 touch f && [ "$(stat -c %Y f)" != "$(date -d 2001-01-01 +%s)" ]'),
  c('utimensat', 'EACCES: UTIME_NOW without write permission', 'touch f && as 1000 touch f', 'EACCES'),
  c('utimensat', 'EPERM: explicit times by a user who is not the owner', 'touch f && chmod 0666 f && as 1000 touch -d 2001-01-01 f', 'EPERM'),
  c('utimensat', 'ENOENT on a missing file', 'touch -c -d 2001-01-01 f && sys \'utime(1, 1, "f")\'', 'ENOENT'),

  // chmod
  c('chmod', 'sets the permission bits', 'touch f && chmod 0604 f && [ "$(stat -c %a f)" = 604 ]'),
  c('chmod', 'sets setuid, setgid and sticky', 'touch f && chmod 7755 f && [ "$(stat -c %a f)" = 7755 ]'),
  c('chmod', 'on a folder', 'mkdir d && chmod 0700 d && [ "$(stat -c %a d)" = 700 ]'),
  c('chmod', 'changes ctime, not mtime', 'touch f && m=$(t Y f) && c=$(t Z f) && chmod 0600 f && newer "$c" "$(t Z f)" && [ "$(t Y f)" = "$m" ]'),
  c('chmod', 'through a symlink changes the target', 'touch f && ln -s f l && chmod 0600 l && [ "$(stat -c %a f)" = 600 ] && [ "$(stat -c %A l)" = lrwxrwxrwx ]'),
  c('chmod', 'the owner may chmod', 'as 1000 touch f && as 1000 chmod 0600 f && [ "$(stat -c %a f)" = 600 ]'),
  c('chmod', 'EPERM for a user who is not the owner', 'touch f && chmod 0666 f && as 1000 chmod 0600 f', 'EPERM'),
  c('chmod', 'setgid is dropped by an owner outside the group', 'as 1000 touch f && chgrp 99 f && as 1000 chmod 2755 f && [ "$(stat -c %a f)" = 755 ]'),
  c('chmod', 'ENOENT on a missing file', 'chmod 0600 f', 'ENOENT'),
  c('chmod', 'ENOTDIR when a path prefix is a file', 'touch f && chmod 0600 f/g', 'ENOTDIR'),

  // chown
  c('chown', 'root sets owner and group', 'touch f && chown 1234:567 f && [ "$(stat -c "%u %g" f)" = "1234 567" ]'),
  c('chown', 'on a folder', 'mkdir d && chown 1234:567 d && [ "$(stat -c "%u %g" d)" = "1234 567" ]'),
  c('chown', 'changes ctime', 'touch f && c=$(t Z f) && chown 1234 f && newer "$c" "$(t Z f)"'),
  c('chown', 'clears setuid and setgid of an executable file', 'touch f && chmod 6755 f && chown 1234 f && [ "$(stat -c %a f)" = 755 ]'),
  c('chown', 'the owner may give the file to a group of theirs', 'as 1000 touch f && asg 1000 2000 chgrp 2000 f && [ "$(stat -c %g f)" = 2000 ]'),
  c('chown', 'without -h a symlink passes the change to its target', 'touch f && ln -s f l && chown 1234 l && [ "$(stat -c %u f)" = 1234 ] && [ "$(stat -c %u l)" = 0 ]'),
  c('chown', 'with -h the symlink itself changes', 'touch f && ln -s f l && chown -h 1234 l && [ "$(stat -c %u l)" = 1234 ] && [ "$(stat -c %u f)" = 0 ]'),
  c('chown', 'EPERM for the owner giving the file away', 'as 1000 touch f && as 1000 chown 1001 f', 'EPERM'),
  c('chown', 'EPERM for the owner choosing a group not theirs', 'as 1000 touch f && as 1000 chgrp 2000 f', 'EPERM'),
  c('chown', 'EPERM for a user who is not the owner', 'touch f && as 1000 chgrp 1000 f', 'EPERM'),
  c('chown', 'ENOENT on a missing file', 'chown 1 f', 'ENOENT'),

  // link
  c('link', 'makes a second name for the content', 'echo x > f && ln f g && [ "$(cat g)" = x ] && [ "$(stat -c %h f)" = 2 ]'),
  c('link', 'a write through one name shows through the other', 'echo x > f && ln f g && echo y >> g && [ "$(cat f)" = "x\ny" ]'),
  c('link', 'EEXIST when the new name exists', 'touch f g && ln f g', 'EEXIST'),
  c('link', 'ENOENT for a missing source', 'ln f g', 'ENOENT'),
  c('link', 'EPERM for a folder', 'mkdir d && sys \'link("d", "e")\'', 'EPERM'),

  // symlink
  c('symlink', 'creates a link that readlink returns', 'ln -s some/target l && [ "$(readlink l)" = some/target ]'),
  c('symlink', 'lstat shows a link whose size is the target length', 'ln -s abcdef l && [ "$(stat -c "%F %s" l)" = "symbolic link 6" ]'),
  c('symlink', 'opening follows it', 'echo data > f && ln -s f l && [ "$(cat l)" = data ]'),
  c('symlink', 'a folder symlink can be walked through', 'mkdir d && touch d/f && ln -s d l && [ -f l/f ]'),
  c('symlink', 'a dangling link: stat fails, lstat works', 'ln -s nowhere l && [ -L l ] && stat -L l', 'ENOENT'),
  c('symlink', 'ELOOP on a loop', 'ln -s a b && ln -s b a && cat a', 'ELOOP'),
  c('symlink', 'the caller owns it', 'as 1000 ln -s x l && [ "$(stat -c "%u %g" l)" = "1000 1000" ]'),
  c('symlink', 'a 1000-byte target', 'x=$(printf "t%.0s" {1..1000}) && ln -s "$x" l && [ "$(readlink l)" = "$x" ]'),
  c('symlink', "the parent's mtime changes", 'mkdir p && m=$(t Y p) && ln -s x p/l && newer "$m" "$(t Y p)"'),
  c('symlink', 'EEXIST when the name exists', 'touch l && ln -s x l', 'EEXIST'),
  c('symlink', 'EACCES without write permission on the parent', 'mkdir -m 0755 p && as 1000 ln -s x p/l', 'EACCES'),
  c('symlink', 'ENOENT when the parent is missing', 'ln -s x p/l', 'ENOENT'),

  // mkfifo
  c('mkfifo', 'creates a FIFO', 'mkfifo p && [ -p p ]'),
  c('mkfifo', 'mode is the requested one less the umask', 'mkfifo -m 0640 p && [ "$(stat -c %a p)" = 640 ] && umask 077 && mkfifo q && [ "$(stat -c %a q)" = 600 ]'),
  c('mkfifo', 'the caller owns it', 'as 1000 mkfifo p && [ "$(stat -c "%u %g" p)" = "1000 1000" ]'),
  c('mkfifo', 'times are current and equal', 'a=$(date +%s) && mkfifo p && [ "$(t Y p)" = "$(t Z p)" ] && [ "$(stat -c %Y p)" -ge "$a" ]'),
  c('mkfifo', "the parent's mtime changes", 'mkdir d && m=$(t Y d) && mkfifo d/p && newer "$m" "$(t Y d)"'),
  c('mkfifo', 'data passes through it', 'mkfifo p && (printf hello > p &) && [ "$(cat p)" = hello ]'),
  c('mkfifo', 'EEXIST when the name exists', 'touch p && mkfifo p', 'EEXIST'),
  c('mkfifo', 'EACCES without write permission on the parent', 'mkdir -m 0755 d && as 1000 mkfifo d/p', 'EACCES'),
  c('mkfifo', 'ENOENT when the parent is missing', 'mkfifo d/p', 'ENOENT'),
];
