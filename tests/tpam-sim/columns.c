/* SPDX-License-Identifier: MIT */
/* columns.c: header names and default values of the list commands' columns. */
#include "sim.h"

/*
 * Names marked "contract" come from tpam-cli.md; the others are invented
 * but plausible. A default of NULL means "computed by the command".
 */
const struct column system_columns[] = {
    {"SystemName", ""},                /* contract */
    {"NetworkAddress", ""},            /* contract */
    {"PrimaryEmail", ""},              /* contract */
    {"PlatformName", "Linux"},         /* contract */
    {"ChangeFrequency", "30"},         /* contract */
    {"ReleaseDuration", "120"},        /* contract */
    {"SystemAutoFl", "Y"},             /* contract */
    {"FunctionalAccount", "funcacct"}, /* contract */
    {"FuncAcctCredential", "Password"},
    {"PortNumber", "22"}, /* contract, printed space padded */
    {"Timeout", "20"},
    {"DomainName", ""},  /* contract */
    {"NetBiosName", ""}, /* contract */
    {"AlternateIP", ""},
    {"UseSSLFl", "N"},
    {"CheckSystemFl", "Y"},
    {"DefaultPasswordRule", "Default Password Rule"},
    {"MaxReleaseDuration", "10080"},
    {"TicketEmailNotify", ""},
    {"RequireTicketForAPI", "N"},
    {"RequireTicketForCLI", "N"},
    {"RequireTicketForISA", "N"},
    {"RequireTicketForRequest", "N"},
    {"DisabledFl", "N"},
    {"ContactEmail", ""},
    {"Description", ""},
    {"CreateDate", "2015-03-02 09:14:27.000"},
    {"LastChangeDate", "2016-11-08 16:40:03.000"},
    {"LastChangedBy", "admin"},
    {"AllowISADurationFl", "N"},
    {"ISADurationMinutes", "120"},
    {"DualControlFl", "N"},
    {"AutoDiscoveryFl", "N"},
    {"DiscoveryProfile", ""},
    {"SSHKeyAuthFl", "N"},
    {"SSHKeyPath", ""},
    {"ComputerName", ""},
    {"OperatingSystem", ""},
    {"ServiceAccountFl", "N"},
    {"CLIRetrieveFl", "Y"},
    {"APIRetrieveFl", "Y"},
    {"Custom1", ""},                 /* contract */
    {"Custom2", ""},                 /* contract */
    {"Custom3", ""},                 /* contract */
    {"Custom4", ""},                 /* contract */
    {"Custom5", ""},                 /* contract */
    {"Custom6", ""},                 /* contract */
    {"PSM DPA Affinity", "Default"}, /* contract: a header with a space */
    {"PSMProxyAffinity", ""},
    {"PSMEnabledFl", "N"},
    {"PSMSessionRecordingFl", "N"},
    {"PSMMaxDuration", "240"},
    {"PSMProfileName", ""},
    {"EGPAffinity", ""},
    {"PwdDPAAffinity", "Default"},
    {"ResetFl", "N"},
    {"ResetPasswordRule", ""},
    {"EscalationEmail", ""},
    {"EscalationTime", "0"},
    {"ProfileName", "Default"},
    {"PwdCheckProfile", "Default Check"},
    {"PwdChangeProfile", "Default Change"},
    {"ShowAllAccountsFl", "N"},
    {"SystemID", NULL}, /* computed: 1000 + position */
};
const size_t n_system_columns =
    sizeof(system_columns) / sizeof(system_columns[0]);

const struct column account_columns[] = {
    {"SystemName", ""},         /* contract */
    {"AccountName", ""},        /* contract */
    {"Password", NULL},         /* contract: always ******** */
    {"ChangeFrequency", "30"},  /* contract */
    {"ReleaseDuration", "120"}, /* contract */
    {"AcctAutoFl", "Y"},        /* contract */
    {"ChangeTime", "02:00"},    /* contract */
    {"NextChangeDate",
     "2031-01-01 02:00:00.000"}, /* name invented, position contract */
    {"PasswordRule", "Default Password Rule"}, /* contract */
    {"Description", ""},
    {"DomainAccountFl", "N"},
    {"LastChangeDate", "2016-11-08 02:00:13.000"},
    {"LastChangeResult", "Success"},
    {"LastCheckDate", "2016-11-09 02:00:07.000"},
    {"LastCheckResult", "Success"},
    {"PasswordCheckFl", "Y"},
    {"PwdChangeProfile", "Default Change"},
    {"PwdCheckProfile", "Default Check"},
    {"DualControlFl", "N"},
    {"LockFl", "N"},
    {"ReviewReqFl", "N"},
    {"ISAReleaseDuration", "120"},
    {"MaxReleaseDuration", "10080"},
    {"SimulPrivAccReleases", "1"},
    {"NetworkAddress", NULL}, /* computed: from the system */
    {"PlatformName", NULL},   /* computed: from the system */
    {"AccountCustom1", ""},   /* contract: real account (maptoreal) */
    {"AccountCustom2", ""},   /* contract: real system (maptoreal) */
    {"AccountCustom3", ""},   /* contract */
    {"AccountCustom4", ""},   /* contract */
    {"AccountCustom5", ""},   /* contract */
    {"AccountCustom6", ""},   /* contract */
    {"DisabledFl", "N"},
    {"ContactEmail", ""},
    {"CreateDate", "2015-03-02 09:20:41.000"},
    {"AccountID", NULL}, /* computed: 5000 + position */
};
const size_t n_account_columns =
    sizeof(account_columns) / sizeof(account_columns[0]);

/* Field order from TPAM's Perl API; the header names are invented. */
const struct column request_columns[] = {
    {"RequestID", ""},                 /* 0 */
    {"UserName", ""},                  /* 1 */
    {"UserFullName", ""},              /* 2 */
    {"Phone", ""},                     /* 3 */
    {"Email", ""},                     /* 4 */
    {"SystemName", ""},                /* 5 */
    {"AccountName", ""},               /* 6 */
    {"MinApprovers", "1"},             /* 7 */
    {"SubmittedDate", "-3600"},        /* 8: relative seconds, see fixture.c */
    {"RequestedReleaseDate", "-3600"}, /* 9 */
    {"ReleaseDuration", "120"},        /* 10 */
    {"RequestNotes", ""},              /* 11 */
    {"ExpiresDate", "+7200"},          /* 12: %Y-%m-%d %H:%M:%S.%f */
    {"CloseDate", ""},                 /* 13 */
    {"ApprovedDate", "-3500"},         /* 14 */
    {"CanceledDate", ""},              /* 15 */
    {"TicketSystem", ""},              /* 16 */
    {"TicketNumber", ""},              /* 17 */
    {"Status", ""},                    /* 18 */
    {"ReasonCodeText", ""},            /* 19 */
    {"AccessPolicyName", ""},          /* 20 */
};
const size_t n_request_columns =
    sizeof(request_columns) / sizeof(request_columns[0]);

const struct column policy_columns[] = {
    {"UserName", ""},
    {"FullName", ""},
    {"ExtAuthReqd", "N"},
    {"LastAccessDate", "2016-11-10 08:12:44.000"},
    {"GroupName", ""},
    {"SystemName", ""},
    {"AccountName", ""},
    {"FileName", ""},
    {"CollectionName", ""},
    {"AccessPolicyName", ""},
    {"PolicySource", "User"},
    {"PermissionType", "Pwd"},
    {"PermissionName", "Request"},
    {"CmdName", ""},
    {"EffectiveFl", "Y"},
};
const size_t n_policy_columns =
    sizeof(policy_columns) / sizeof(policy_columns[0]);

const struct column *column_find(const struct column *cols, size_t n,
                                 const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (ieq(cols[i].name, name))
            return &cols[i];
    return NULL;
}
