/* The PC's DSDT body (the AML after the table header). */
#ifndef YL_HW_ACPI_DSDT_H
#define YL_HW_ACPI_DSDT_H

#include "hw/acpi/acpi_build.h"
#include "hw/acpi/aml.h"

/* Appends the definition block's AML to a.  Returns -1 when out of memory. */
int dsdt_build(Aml *a, const AcpiConfig *c);

#endif
