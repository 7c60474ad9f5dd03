/* Whether two paths name one file: the check that keeps every subcommand
 * from writing over what it reads. */
#ifndef NMFTOOL_SAME_FILE_H
#define NMFTOOL_SAME_FILE_H

/* 1 when the paths A and B name the same file: by device and inode when
 * both exist (symbolic and hard links included), otherwise by the device
 * and inode of the directory that holds them and their last component
 * (dangling symbolic links followed), so two names of a file that is yet
 * to be written compare equal too; 0 otherwise. */
int same_file (const char *a, const char *b);

#endif
